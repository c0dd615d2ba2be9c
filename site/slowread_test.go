package site_test

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

// bigFile is the size of the file the slow-read tests ask for: more than a
// loopback connection's socket buffers hold (4 MiB for the sender at most,
// by Linux's default tcp_wmem; the receiver's is shrunk).
const bigFile = 16 << 20

// bigTree is a tree with the file /big.bin, of bigFile bytes, and the page /.
func bigTree(t *testing.T) resource.Resource {
	t.Helper()
	name := filepath.Join(t.TempDir(), "big.bin")
	data := make([]byte, bigFile)
	for i := range data {
		data[i] = byte(i)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := static.NewFile(name)
	if err != nil {
		t.Fatal(err)
	}
	root := resource.New()
	root.PutChild("", page("ok"))
	root.PutChild("big.bin", f)
	return root
}

// serveSlowRead serves the Site s with Serve until the test ends and
// returns its address.
func serveSlowRead(t *testing.T, s *site.Site) string {
	t.Helper()
	ln := mustListen(t)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		<-served
	})
	return ln.Addr().String()
}

// stall opens a connection to addr with a receive buffer of 256 KiB (a
// fixed one, and small beside bigFile, but not so small that reading what
// the server has left in its socket buffer becomes a trickle, as it does
// with a window far below loopback's 64 KiB segments), sends
// request on it (through wrap, if set, which may start TLS) and never
// reads.
func stall(t *testing.T, addr string, request []byte, wrap func(net.Conn) net.Conn) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.(*net.TCPConn).SetReadBuffer(128 << 10); err != nil {
		t.Fatal(err)
	}
	var conn net.Conn = c
	if wrap != nil {
		conn = wrap(c)
	}
	if _, err := conn.Write(request); err != nil {
		t.Fatal(err)
	}
	return conn
}

// cut reads what is left on the stalled connection c and checks that the
// server closed it before the whole file was sent.
func cut(t *testing.T, c net.Conn, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("%s: still open after 20 s", what)
	}
	if n >= bigFile {
		t.Errorf("%s: got %d bytes, the whole file", what, n)
	}
}

// getPage asks for / on c and waits, for up to 20 s, for the answer:
// with MaxConns 2 and two connections holding the slots, it is served only
// once one of them is closed. With keep, it asks to keep c open and leaves
// it so, holding its slot; otherwise it closes c.
func getPage(t *testing.T, c net.Conn, keep bool) {
	t.Helper()
	if !keep {
		defer c.Close()
	}
	header := "Connection: close\r\n"
	if keep {
		header = ""
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", header)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a client, while two stalled: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ok" || err != nil {
		t.Errorf("a client got %d %q, %v", resp.StatusCode, body, err)
	}
}

// Two clients that ask for a large file and never read take both of
// MaxConns' slots only until WriteIdleTimeout cuts them: a third is served.
func TestWriteIdleTimeout(t *testing.T) {
	s := site.New(bigTree(t))
	s.MaxConns = 2
	s.WriteIdleTimeout = 200 * time.Millisecond
	addr := serveSlowRead(t, s)
	var stalled [2]net.Conn
	for i := range stalled {
		stalled[i] = stall(t, addr, []byte("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"), nil)
	}
	// A third client is served once one stalled connection is cut; it
	// keeps its connection, and its slot, so that a fourth is served only
	// once the other is cut too. Only then are the stalled connections
	// read: reading one that is not cut yet would make it a live reader,
	// rightly kept.
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	getPage(t, third, true)
	fourth, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	getPage(t, fourth, false)
	for i, c := range stalled {
		cut(t, c, fmt.Sprintf("stalled connection %d", i))
	}
}

// A client that reads a large file slowly but steadily, its transfer
// lasting many times WriteIdleTimeout, gets all of it.
func TestWriteIdleTimeoutSlowReader(t *testing.T) {
	s := site.New(bigTree(t))
	s.WriteIdleTimeout = 500 * time.Millisecond
	addr := serveSlowRead(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	gaps := &site.ReadGaps{R: c}
	resp, err := http.ReadResponse(bufio.NewReader(gaps), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 256 KiB every 50 ms, a tenth of the timeout: the whole takes at
	// least 64 pauses, 6.4 timeouts.
	start := time.Now()
	buf := make([]byte, 256<<10)
	var n int64
	for {
		m, err := io.ReadFull(resp.Body, buf)
		for i := range m {
			if buf[i] != byte(n+int64(i)) {
				t.Fatalf("byte %d is %d", n+int64(i), buf[i])
			}
		}
		n += int64(m)
		if err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // the reader's pace
	}
	if n != bigFile {
		gaps.SkipIfStalled(t, s.WriteIdleTimeout)
		t.Fatalf("read %d of %d bytes", n, bigFile)
	}
	if took := time.Since(start); took < 4*s.WriteIdleTimeout {
		t.Logf("the read took %v only", took)
	}
}

// An HTTP/2 client over TLS that opens the flow-control windows, asks for
// a large file and stops reading its socket is cut as an HTTP/1 one is.
func TestWriteIdleTimeoutHTTP2(t *testing.T) {
	_, url, client, _ := tlsServer(t, bigTree(t), func(s *site.Site) {
		s.MaxConns = 2
		s.WriteIdleTimeout = 200 * time.Millisecond
	})
	addr := url[len("https://"):]
	h2 := func(c net.Conn) net.Conn {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			t.Fatalf("negotiated %q", p)
		}
		return tc
	}
	var stalled [2]net.Conn
	for i := range stalled {
		stalled[i] = stall(t, addr, h2Get("/big.bin", addr), h2)
	}
	// As in TestWriteIdleTimeout: the third client's connection stays in
	// its pool, holding a slot, so a fourth (a transport of its own) is
	// served only once both stalled connections are cut; only then are
	// they read.
	fourth := &http.Client{Transport: client.Transport.(*http.Transport).Clone()}
	defer fourth.CloseIdleConnections()
	for _, c := range []*http.Client{client, fourth} {
		resp, err := c.Get(url + "/")
		if err != nil {
			t.Fatalf("a client, while two stalled: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" || err != nil {
			t.Errorf("a client got %d %q, %v", resp.StatusCode, body, err)
		}
	}
	for i, c := range stalled {
		cut(t, c, fmt.Sprintf("stalled HTTP/2 connection %d", i))
	}
}

// h2Get returns what an HTTP/2 client sends to GET path from authority
// with every flow-control window open as wide as it goes: the preface, a
// SETTINGS frame, a WINDOW_UPDATE for the connection and the request's
// HEADERS on stream 1.
func h2Get(path, authority string) []byte {
	const maxWindow = 1<<31 - 1
	b := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	b = h2Frame(b, 0x4, 0, 0, binary.BigEndian.AppendUint32([]byte{0, 0x4}, maxWindow)) // SETTINGS_INITIAL_WINDOW_SIZE
	b = h2Frame(b, 0x8, 0, 0, binary.BigEndian.AppendUint32(nil, maxWindow-65535))      // WINDOW_UPDATE
	return h2Headers(b, 1, path, authority)
}

// h2Frame appends to b an HTTP/2 frame of type typ, with flags, on stream.
func h2Frame(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
	b = append(b, byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload)), typ, flags)
	b = binary.BigEndian.AppendUint32(b, stream)
	return append(b, payload...)
}

// h2Headers appends to b the HEADERS frame of a GET of path from authority
// on stream, which it ends.
func h2Headers(b []byte, stream uint32, path, authority string) []byte {
	// HPACK: :method GET, :scheme https (static table), :path and
	// :authority as literals without indexing.
	block := []byte{0x82, 0x87, 0x04, byte(len(path))}
	block = append(block, path...)
	block = append(block, 0x01, byte(len(authority)))
	block = append(block, authority...)
	return h2Frame(b, 0x1, 0x5, stream, block) // HEADERS, END_STREAM | END_HEADERS
}
