package site_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// The serving helpers' listener keeps at most MaxConns connections open.
func TestMaxConns(t *testing.T) {
	root := resource.New()
	root.PutChild("", page("ok"))
	s := site.New(root)
	s.MaxConns = 2
	ln := mustListen(t)
	go s.Serve(ln) // Serve applies the cap
	defer s.Close()

	// Two idle keep-alive connections take both slots.
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	// A third waits for one to close.
	third, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	fmt.Fprint(third, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := third.Read(make([]byte, 1)); err == nil {
		t.Fatal("a third connection was served while two were open")
	}
	conns[0].Close()
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(third), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("third connection, after one closed: %v", err)
	}
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestMaxConnsDefault(t *testing.T) {
	s := site.New(resource.New())
	for _, tt := range []struct{ set, min, max int }{
		{0, 1, 4096}, // 4096, or half the open-file limit if lower
		{10, 10, 10},
		{-1, 0, 0}, // none
	} {
		s.MaxConns = tt.set
		if n := site.EffectiveMaxConns(s); n < tt.min || n > tt.max {
			t.Errorf("MaxConns %d: the cap is %d, want %d to %d", tt.set, n, tt.min, tt.max)
		}
	}
}
