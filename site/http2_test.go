package site_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// tlsServer serves a Site over root with ServeTLS, on a certificate the
// test makes, and returns the Site, its https URL, a client that trusts
// the certificate and speaks HTTP/2 (Go's, with ForceAttemptHTTP2), and
// the certificate's PEM file for other clients.
func tlsServer(t *testing.T, root resource.Resource, configure ...func(*site.Site)) (s *site.Site, url string, client *http.Client, caFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert := testutil.WriteCert(t, certFile, keyFile, 1)
	s = site.New(root)
	for _, f := range configure {
		f(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.ServeTLS(ln, certFile, keyFile) }()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		s.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return s, "https://" + ln.Addr().String(), &http.Client{Transport: tr}, certFile
}

// stream writes "start;" at once, then returns NotDoneYet; the test's
// goroutine writes the rest through the Request it receives.
type stream struct {
	resource.Leaf
	reqs chan *request.Request
}

func (s *stream) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Type", "text/plain")
	r.Write([]byte("start;"))
	s.reqs <- r
	return nil, resource.NotDoneYet
}

// sessionPage shows whether the request is secure and makes a session.
type sessionPage struct{ resource.Leaf }

func (sessionPage) RenderGET(r *request.Request) ([]byte, error) {
	secure := "insecure"
	if r.IsSecure() {
		secure = "secure"
	}
	return []byte(secure + " " + r.GetSession().UID()), nil
}

func http2Tree() (resource.Resource, *stream) {
	st := &stream{reqs: make(chan *request.Request, 1)}
	root := resource.New()
	root.PutChild("stream", st)
	root.PutChild("session", sessionPage{})
	return root, st
}

// TestHTTP2Streams: over HTTP/2, what an asynchronous resource writes
// reaches the client before it finishes.
func TestHTTP2Streams(t *testing.T) {
	root, st := http2Tree()
	_, url, client, _ := tlsServer(t, root)
	resp, err := client.Get(url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served over %s, want HTTP/2", resp.Proto)
	}
	r := <-st.reqs
	first := make([]byte, len("start;"))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "start;" {
		t.Fatalf("first chunk %q %v", first, err)
	}
	done := r.NotifyFinish()
	r.Write([]byte("middle;"))
	mid := make([]byte, len("middle;"))
	if _, err := io.ReadFull(resp.Body, mid); err != nil || string(mid) != "middle;" {
		t.Fatalf("second chunk %q %v", mid, err)
	}
	r.Write([]byte("end"))
	r.Finish()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "end" {
		t.Errorf("rest %q %v", rest, err)
	}
	if err := <-done; err != nil {
		t.Errorf("NotifyFinish: %v", err)
	}
}

// TestHTTP2ResetStream: a client that resets its stream is reported by
// NotifyFinish as gone, leaves no goroutine behind, and the connection
// keeps serving its other streams.
func TestHTTP2ResetStream(t *testing.T) {
	root, st := http2Tree()
	var log syncBuffer
	_, url, client, _ := tlsServer(t, root, func(s *site.Site) { s.AccessLog = &log })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/stream", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := <-st.reqs
	done := r.NotifyFinish()
	if _, err := io.ReadFull(resp.Body, make([]byte, len("start;"))); err != nil {
		t.Fatal(err)
	}
	cancel() // RST_STREAM, CANCEL
	resp.Body.Close()
	select {
	case err := <-done:
		if !errors.Is(err, request.ErrGone) {
			t.Errorf("NotifyFinish: %v, want ErrGone", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("NotifyFinish reported nothing after the stream was reset")
	}
	if _, err := r.Write([]byte("late")); !errors.Is(err, request.ErrGone) {
		t.Errorf("Write after the reset: %v, want ErrGone", err)
	}
	// ServeHTTP returned (it logs on its way out), and no goroutine of the
	// request is left.
	testutil.Eventually(t, "the access log line", func() bool { return strings.Contains(log.String(), "GET /stream HTTP/2.0") })
	testutil.Eventually(t, "the request's goroutines to end", func() bool {
		stacks := testutil.Stacks()
		return !strings.Contains(stacks, "site.(*Site).ServeHTTP") && !strings.Contains(stacks, "site.(*Site).await")
	})
	// The connection still serves.
	resp, err = client.Get(url + "/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Errorf("after the reset: %d over %s", resp.StatusCode, resp.Proto)
	}
}

// TestHTTP2SecureSession: a session made over HTTP/2 and TLS gets the
// secure cookie, with the Secure attribute, and is found by it next time.
func TestHTTP2SecureSession(t *testing.T) {
	root, _ := http2Tree()
	_, url, client, _ := tlsServer(t, root)
	resp, err := client.Get(url + "/session")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	secure, uid, _ := strings.Cut(string(body), " ")
	if resp.ProtoMajor != 2 || secure != "secure" {
		t.Fatalf("%s: %q", resp.Proto, body)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != site.DefaultSecureSessionCookieName || cookies[0].Value != uid ||
		!cookies[0].Secure || !cookies[0].HttpOnly {
		t.Fatalf("Set-Cookie %q", resp.Header.Values("Set-Cookie"))
	}
	req, _ := http.NewRequest("GET", url+"/session", nil)
	req.AddCookie(&http.Cookie{Name: cookies[0].Name, Value: uid})
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "secure "+uid || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("with the cookie: %q, Set-Cookie %q", body, resp.Header.Get("Set-Cookie"))
	}
}

// TestCurlHTTP2 asks with curl, a client no one here wrote: it negotiates
// HTTP/2, receives a streamed response whole, and gets the secure cookie.
func TestCurlHTTP2(t *testing.T) {
	curl := testutil.Program(t, "curl", "curl")
	root, st := http2Tree()
	_, url, _, caFile := tlsServer(t, root)
	go func() {
		r := <-st.reqs
		r.Write([]byte("more;"))
		r.Finish()
	}()
	out, err := exec.Command(curl, "--http2", "-sS", "-N", "--cacert", caFile, "-w", "|%{http_version}", url+"/stream").CombinedOutput()
	if err != nil || string(out) != "start;more;|2" {
		t.Errorf("curl /stream: %q %v", out, err)
	}
	out, err = exec.Command(curl, "--http2", "-sS", "-D", "-", "--cacert", caFile, url+"/session").CombinedOutput()
	text := strings.ToLower(string(out))
	if err != nil || !strings.HasPrefix(text, "http/2 200") || !strings.Contains(text, "set-cookie: twisted_secure_session=") ||
		!strings.Contains(text, "; secure") || !strings.Contains(text, "secure ") {
		t.Errorf("curl /session: %q %v", out, err)
	}
}

// TestHTTP2AfterTheEnd: over HTTP/2, net/http's writer panics when it is
// used after its handler returned, and a panic on a resource's own
// goroutine ends the process. A goroutine that still holds the Request
// once the response ended (the client reset its stream, or the response
// finished) may call every method that reaches the server's writer, and
// none panics.
func TestHTTP2AfterTheEnd(t *testing.T) {
	calls := []struct {
		name string
		call func(r *request.Request) error
	}{
		{"ResponseHeader", func(r *request.Request) error { r.ResponseHeader().Set("X-Late", "1"); return nil }},
		{"ResponseWriter.Header", func(r *request.Request) error { r.ResponseWriter().Header().Set("X-Late", "1"); return nil }},
		{"ResponseWriter.WriteHeader", func(r *request.Request) error { r.ResponseWriter().WriteHeader(103); return nil }},
		{"ResponseWriter.Write", func(r *request.Request) error { _, err := r.ResponseWriter().Write([]byte("late")); return err }},
		{"SetWriteDeadline", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).SetWriteDeadline(time.Now().Add(time.Minute))
		}},
		{"SetReadDeadline", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).SetReadDeadline(time.Now().Add(time.Minute))
		}},
		{"Flush", func(r *request.Request) error { return http.NewResponseController(r.ResponseWriter()).Flush() }},
		{"EnableFullDuplex", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).EnableFullDuplex()
		}},
		{"Write", func(r *request.Request) error { _, err := r.Write([]byte("late")); return err }},
		{"Finish", func(r *request.Request) error { return r.Finish() }},
	}
	ends := []struct {
		name string
		end  func(cancel context.CancelFunc, r *request.Request)
	}{
		{"client reset", func(cancel context.CancelFunc, _ *request.Request) { cancel() }},
		{"finished", func(_ context.CancelFunc, r *request.Request) { r.Finish() }},
	}
	for _, e := range ends {
		t.Run(e.name, func(t *testing.T) {
			root, st := http2Tree()
			_, url, client, _ := tlsServer(t, root)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/stream", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := <-st.reqs
			done := r.NotifyFinish()
			e.end(cancel, r)
			<-done
			// The handler has returned once no goroutine runs one.
			testutil.Eventually(t, "the handler to return", func() bool {
				return !strings.Contains(testutil.Stacks(), "runHandler")
			})
			for _, c := range calls {
				func() {
					defer func() {
						if v := recover(); v != nil {
							t.Errorf("%s after the end: panic %v", c.name, v)
						}
					}()
					_ = c.call(r) // an error is the right answer
				}()
			}
		})
	}
}

// statusPage answers with the status in its "code" argument and a body,
// which a status without one must not send, nor announce.
type statusPage struct{ resource.Leaf }

func (statusPage) RenderGET(r *request.Request) ([]byte, error) {
	code, _ := strconv.Atoi(r.Arg("code"))
	r.SetResponseCode(code)
	return []byte("a body"), nil
}

// TestNoBodyStatusLength: a render that sets 204 or 304 and returns a
// body sends no Content-Length over HTTP/1.1 or HTTP/2, as net/http's
// HTTP/1 server makes sure of on its own (its HTTP/2 server does not, and
// curl refuses a 204 that has one: RFC 9110 section 8.6 forbids it).
func TestNoBodyStatusLength(t *testing.T) {
	root := resource.New()
	root.PutChild("status", statusPage{})
	_, h1 := serve(t, root)
	_, h2 := testutil.ServeHTTP2(t, root)
	for _, srv := range []*httptest.Server{h1, h2} {
		for _, c := range []struct {
			method string
			code   int
		}{{"GET", 204}, {"HEAD", 204}, {"GET", 304}, {"HEAD", 304}} {
			resp, body := do(t, srv, c.method, "/status?code="+strconv.Itoa(c.code), nil)
			if resp.StatusCode != c.code || body != "" || resp.Header["Content-Length"] != nil {
				t.Errorf("%s %s %d: %d %q, Content-Length %q", resp.Proto, c.method, c.code,
					resp.StatusCode, body, resp.Header["Content-Length"])
			}
		}
	}
	curl := testutil.Program(t, "curl", "curl")
	for _, head := range []string{"", "-I"} {
		args := []string{"--http2", "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", h2.URL + "/status?code=204"}
		if head != "" {
			args = append(args, head)
		}
		out, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil || string(out) != "204 2" {
			t.Errorf("curl %s 204: %q %v", head, out, err)
		}
	}
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
