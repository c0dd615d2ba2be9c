package site

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A file sent through the connection's ReadFrom (sendfile) reaches a slow
// but steady reader whole, and fails on one that stops reading.
func TestWriteIdleTimeoutReadFrom(t *testing.T) {
	const size = 16 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	name := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		read func(c net.Conn) ([]byte, error)
		ok   bool
	}{
		{"steady", func(c net.Conn) ([]byte, error) {
			var got bytes.Buffer
			buf := make([]byte, 256<<10)
			for {
				n, err := io.ReadFull(c, buf)
				got.Write(buf[:n])
				if err != nil {
					return got.Bytes(), nil
				}
				time.Sleep(50 * time.Millisecond) // the reader's pace
			}
		}, true},
		{"stalled", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l := &limitListener{Listener: ln, timeout: 500 * time.Millisecond, closed: make(chan struct{})}
			defer l.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			client.(*net.TCPConn).SetReadBuffer(128 << 10)
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sent := make(chan error, 1)
			go func() {
				_, err := c.(io.ReaderFrom).ReadFrom(&io.LimitedReader{R: f, N: size})
				c.Close()
				sent <- err
			}()
			if !tt.ok {
				select {
				case err := <-sent:
					if !errors.Is(err, os.ErrDeadlineExceeded) {
						t.Errorf("ReadFrom to a client that does not read: %v", err)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("ReadFrom to a client that does not read still waits after 20 s")
				}
				return
			}
			got, _ := tt.read(client)
			if err := <-sent; err != nil || !bytes.Equal(got, data) {
				t.Errorf("ReadFrom: %v; the reader got %d bytes, equal: %v", err, len(got), bytes.Equal(got, data))
			}
		})
	}
}
