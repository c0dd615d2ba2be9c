package site_test

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
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

// TestHTTP2FlowControlStall: a client that asks for a response and never
// opens its flow-control window, while its connection stays live, holds
// the response (its goroutine, its open file, the bytes it waits to
// write) only until WriteIdleTimeout: the stream is reset, an
// asynchronous response's NotifyFinish says the client went away, and the
// connection goes on serving. It is so under a server of one's own too.
func TestHTTP2FlowControlStall(t *testing.T) {
	for _, own := range []bool{false, true} {
		for _, path := range []string{"/big.bin", "/stream"} {
			t.Run(fmt.Sprintf("own server %v %s", own, path), func(t *testing.T) {
				root := bigTree(t)
				st := &stream{reqs: make(chan *request.Request, 1)}
				root.PutChild("stream", st)
				short := func(s *site.Site) { s.WriteIdleTimeout = 200 * time.Millisecond }
				var addr string
				if own {
					_, srv := testutil.ServeHTTP2(t, root, short)
					addr = srv.Listener.Addr().String()
				} else {
					_, url, _, _ := tlsServer(t, root, short)
					addr = strings.TrimPrefix(url, "https://")
				}
				c := h2ClosedWindow(t, addr, path)
				var done chan error
				if path == "/stream" {
					// NotifyFinish waits for the stalled write to end.
					r := testutil.Receive(t, st.reqs, 20*time.Second, "the request")
					done = make(chan error, 1)
					go func() { done <- <-r.NotifyFinish() }()
				}
				// The stream is reset; stream 3 is then answered, given
				// a window.
				waitFrame(t, c, 0x3, 1, "RST_STREAM on the stalled stream")
				if done != nil {
					if err := testutil.Receive(t, done, 20*time.Second, "NotifyFinish"); !errors.Is(err, request.ErrGone) {
						t.Errorf("NotifyFinish: %v, want ErrGone", err)
					}
				}
				servesOn(t, c, addr)
			})
		}
	}
}

// h2ClosedWindow connects to addr over TLS, speaks HTTP/2 with every
// stream's flow-control window closed (SETTINGS_INITIAL_WINDOW_SIZE 0),
// and asks for path on stream 1. The connection is closed when the test
// ends.
func h2ClosedWindow(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	b = h2Frame(b, 0x4, 0, 0, []byte{0, 0x4, 0, 0, 0, 0}) // SETTINGS_INITIAL_WINDOW_SIZE 0
	b = h2Headers(b, 1, path, addr)
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	return c
}

// servesOn checks that the connection c of h2ClosedWindow still serves:
// the page / on stream 3, given a window, is answered.
func servesOn(t *testing.T, c net.Conn, addr string) {
	t.Helper()
	b := h2Headers(nil, 3, "/", addr)
	b = h2Frame(b, 0x8, 0, 3, binary.BigEndian.AppendUint32(nil, 1<<16))
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	waitFrame(t, c, 0x0, 3, "DATA on stream 3")
}

// waitFrame reads HTTP/2 frames from c until one of type typ arrives on
// stream, for up to 20 seconds.
func waitFrame(t *testing.T, c net.Conn, typ byte, stream uint32, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var head [9]byte
	for {
		if _, err := io.ReadFull(c, head[:]); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		n := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
		if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if head[3] == typ && binary.BigEndian.Uint32(head[5:])&(1<<31-1) == stream {
			return
		}
	}
}

// TestHTTP2SlowReader: an HTTP/2 client that reads a large file slowly
// but steadily, its flow-control window opening as it reads, gets all of
// it, though the transfer lasts many times WriteIdleTimeout.
func TestHTTP2SlowReader(t *testing.T) {
	timeout := 500 * time.Millisecond
	_, url, client, _ := tlsServer(t, bigTree(t), func(s *site.Site) { s.WriteIdleTimeout = timeout })
	resp, err := client.Get(url + "/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served over %s", resp.Proto)
	}
	gaps := &site.ReadGaps{R: resp.Body}
	// 256 KiB every 50 ms, a tenth of the timeout.
	buf := make([]byte, 256<<10)
	var n int64
	for {
		m, err := io.ReadFull(gaps, buf)
		n += int64(m)
		if err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // the reader's pace
	}
	if n != bigFile {
		gaps.SkipIfStalled(t, timeout)
		t.Fatalf("read %d of %d bytes", n, bigFile)
	}
}

// TestHTTP2FlowControlStallTail: the last bytes of a response, which
// net/http's HTTP/2 server still buffers when the handler returns (up to
// 4 KiB, all of a small response) and writes on its own afterwards, are
// bounded by WriteIdleTimeout too: a client that never opens its stream's
// window gets the stream reset, and the handler's goroutine ends, with
// the bytes it held. Without that, each such stream would hold them for
// as long as the client kept its connection live.
func TestHTTP2FlowControlStallTail(t *testing.T) {
	for _, c := range []struct {
		name, path string
		size       int // of the body
	}{
		{"small page", "/small", 100},
		{"page under the server's buffer", "/tail", 3 << 10},
		{"streamed response finished with its body", "/deferred", 3 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := resource.New()
			root.PutChild("", page("ok"))
			root.PutChild("small", page(strings.Repeat("s", 100)))
			root.PutChild("tail", page(strings.Repeat("t", 3<<10)))
			d := testutil.NewDeferred()
			root.PutChild("deferred", d)
			_, srv := testutil.ServeHTTP2(t, root, func(s *site.Site) { s.WriteIdleTimeout = 100 * time.Millisecond })
			addr := srv.Listener.Addr().String()
			conn := h2ClosedWindow(t, addr, c.path)
			if c.path == "/deferred" {
				r := testutil.Receive(t, d.Reqs, 20*time.Second, "the request")
				if err := r.FinishWith([]byte(strings.Repeat("d", c.size))); err != nil {
					t.Fatalf("FinishWith: %v", err)
				}
			}
			waitFrame(t, conn, 0x3, 1, "RST_STREAM on the stalled stream")
			testutil.Eventually(t, "the handler's goroutine to end", func() bool {
				return !strings.Contains(testutil.Stacks(), "runHandler")
			})
			servesOn(t, conn, addr)
		})
	}
}

// TestHTTP2SlowWindowTail: a client that opens its stream's window a
// little at a time but steadily gets the whole of a streamed response and
// its last bytes (those net/http still buffers when the handler returns),
// though the transfer lasts several times WriteIdleTimeout.
func TestHTTP2SlowWindowTail(t *testing.T) {
	const (
		timeout = time.Second
		pieces  = 60      // streamed writes of 1 KiB, each sent at once
		tail    = 3 << 10 // the body FinishWith adds, left in net/http's buffer
		step    = 512     // the client opens its window by step bytes ...
		every   = 20 * time.Millisecond
		total   = pieces<<10 + tail
	)
	root := resource.New()
	d := testutil.NewDeferred()
	root.PutChild("deferred", d)
	_, srv := testutil.ServeHTTP2(t, root, func(s *site.Site) { s.WriteIdleTimeout = timeout })
	addr := srv.Listener.Addr().String()
	conn := h2ClosedWindow(t, addr, "/deferred")
	r := testutil.Receive(t, d.Reqs, 20*time.Second, "the request")
	finished := r.NotifyFinish()
	wrote := make(chan error, 1)
	go func() {
		for i := range pieces {
			if _, err := r.Write([]byte(strings.Repeat(string(rune('a'+i%25)), 1<<10))); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- r.FinishWith([]byte(strings.Repeat("z", tail)))
	}()
	// The window opens by step bytes every tick, on the stream and on
	// the connection, until the response ends.
	stop := make(chan struct{})
	opened := make(chan struct{})
	var gap time.Duration // the longest between two openings: a busy machine's
	go func() {
		defer close(opened)
		tick := time.NewTicker(every)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			gap, last = max(gap, time.Since(last)), time.Now()
			w := h2Frame(nil, 0x8, 0, 1, binary.BigEndian.AppendUint32(nil, step))
			w = h2Frame(w, 0x8, 0, 0, binary.BigEndian.AppendUint32(nil, step))
			if _, err := conn.Write(w); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	body, err := readStream(conn, 1)
	close(stop)
	<-opened
	if err != nil {
		if gap >= timeout/2 {
			t.Skipf("the client was held up for %v, the write idle timeout is %v: the machine is too busy to tell", gap, timeout)
		}
		t.Fatalf("after %d of %d bytes: %v", len(body), total, err)
	}
	if len(body) != total || strings.Count(string(body), "z") != tail {
		t.Fatalf("read %d of %d bytes, %d of the tail", len(body), total, strings.Count(string(body), "z"))
	}
	if err := testutil.Receive(t, wrote, 20*time.Second, "the writes"); err != nil {
		t.Errorf("writing: %v", err)
	}
	if err := testutil.Receive(t, finished, 20*time.Second, "NotifyFinish"); err != nil {
		t.Errorf("NotifyFinish: %v", err)
	}
	t.Logf("the transfer took %v, the timeout is %v", time.Since(start), timeout)
}

// readStream reads HTTP/2 frames from c and returns the body of the
// response on stream, once its END_STREAM arrives; an RST_STREAM on it is
// an error, and so is a wait of 20 seconds.
func readStream(c net.Conn, stream uint32) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var body []byte
	var head [9]byte
	for {
		if _, err := io.ReadFull(c, head[:]); err != nil {
			return body, err
		}
		payload := make([]byte, int(head[0])<<16|int(head[1])<<8|int(head[2]))
		if _, err := io.ReadFull(c, payload); err != nil {
			return body, err
		}
		if binary.BigEndian.Uint32(head[5:])&(1<<31-1) != stream {
			continue
		}
		switch head[3] {
		case 0x3:
			return body, fmt.Errorf("RST_STREAM, code %d", binary.BigEndian.Uint32(payload))
		case 0x0: // DATA, unpadded: net/http's server pads none
			body = append(body, payload...)
			if head[4]&0x1 != 0 {
				return body, nil
			}
		case 0x1:
			if head[4]&0x1 != 0 {
				return body, nil
			}
		}
	}
}
