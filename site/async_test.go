package site_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// deferred returns NotDoneYet and hands each request to the test.
type deferred struct {
	resource.Leaf
	reqs chan *request.Request
}

func (d *deferred) RenderGET(r *request.Request) ([]byte, error) {
	d.reqs <- r
	return nil, resource.NotDoneYet
}

func newDeferred() *deferred { return &deferred{reqs: make(chan *request.Request, 1)} }

func TestAsyncWritesStreamAndFinish(t *testing.T) {
	d := newDeferred()
	_, srv := serve(t, d)
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Error(err)
		}
		respc <- resp
	}()
	r := <-d.reqs
	done := r.NotifyFinish()
	// The status and each chunk arrive before Finish: each Write is flushed.
	if _, err := r.Write([]byte("first ")); err != nil {
		t.Fatal(err)
	}
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i, chunk := range []string{"first ", "second"} {
		if i > 0 {
			if _, err := r.Write([]byte(chunk)); err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, len(chunk))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != chunk {
			t.Fatalf("read %q, %v; want %q before Finish", buf, err, chunk)
		}
	}
	if resp.Header.Get("Content-Type") != "text/html" || resp.ContentLength != -1 {
		t.Errorf("async response: type %q length %d", resp.Header.Get("Content-Type"), resp.ContentLength)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("after Finish: %q", rest)
	}
	if err := <-done; err != nil {
		t.Errorf("NotifyFinish: %v, want nil", err)
	}
	// Asked after the end, NotifyFinish reports at once.
	if err := <-r.NotifyFinish(); err != nil {
		t.Errorf("late NotifyFinish: %v", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, request.ErrFinished) {
		t.Errorf("Write after Finish: %v", err)
	}
	if err := r.Finish(); !errors.Is(err, request.ErrFinished) {
		t.Errorf("second Finish: %v", err)
	}
}

func TestAsyncFromAnotherGoroutine(t *testing.T) {
	root := resource.New()
	root.PutChild("", &later{})
	_, srv := serve(t, root)
	resp, body := do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 202 || body != "Sorry to keep you waiting." {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
}

// later finishes from a goroutine of its own, with FinishWith.
type later struct{ resource.Base }

func (*later) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		r.SetResponseCode(202)
		r.FinishWith([]byte("Sorry to keep you waiting."))
	}()
	return nil, resource.NotDoneYet
}

func TestAsyncClientGoesAway(t *testing.T) {
	d := newDeferred()
	_, srv := serve(t, d)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	r := <-d.reqs
	notify := r.NotifyFinish()
	conn.Close()
	select {
	case err := <-notify:
		if !errors.Is(err, request.ErrGone) {
			t.Errorf("NotifyFinish: %v, want ErrGone", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification that the client went away")
	}
	if _, err := r.Write([]byte("late")); !errors.Is(err, request.ErrGone) {
		t.Errorf("Write after disconnect: %v", err)
	}
	if err := r.Finish(); !errors.Is(err, request.ErrGone) {
		t.Errorf("Finish after disconnect: %v", err)
	}
	// The server keeps serving.
	go func() { r := <-d.reqs; r.FinishWith([]byte("ok")) }()
	if resp, body := do(t, srv, "GET", "/", nil); resp.StatusCode != 200 || body != "ok" {
		t.Errorf("next request: %d %q", resp.StatusCode, body)
	}
}

func TestCloseEndsPendingResponses(t *testing.T) {
	d := newDeferred()
	s, srv := serve(t, d)
	type answer struct {
		code int
		body string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			answers <- answer{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers <- answer{resp.StatusCode, string(b), err}
	}()
	r := <-d.reqs
	notify := r.NotifyFinish()
	s.Close()
	if err := <-notify; !errors.Is(err, request.ErrClosed) {
		t.Errorf("NotifyFinish after Close: %v", err)
	}
	// A client that was sent nothing is told the server is going away,
	// not given an empty 200.
	if a := <-answers; a.err != nil || a.code != http.StatusServiceUnavailable ||
		!strings.Contains(a.body, "503 - Service Unavailable") {
		t.Errorf("client got %d %q %v, want the 503 page", a.code, a.body, a.err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, request.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
}

func TestFinishWithoutWriteSendsHeaders(t *testing.T) {
	d := newDeferred()
	_, srv := serve(t, d)
	go func() {
		r := <-d.reqs
		r.Redirect("/elsewhere")
		r.Finish()
	}()
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestHTTP10AsyncClosesConnection(t *testing.T) {
	d := newDeferred()
	_, srv := serve(t, d)
	go func() {
		r := <-d.reqs
		r.Write([]byte("<html><body>"))
		r.Write([]byte("done</body></html>"))
		r.Finish()
	}()
	out := raw(t, srv, "GET / HTTP/1.0\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.0 200 OK") || strings.Contains(out, "Content-Length") ||
		!strings.HasSuffix(out, "<html><body>done</body></html>") {
		t.Errorf("HTTP/1.0 async: %q", out)
	}
}

// ordered records, when each request is rendered, whether the one before it
// had already finished, and finishes each from another goroutine.
type ordered struct {
	resource.Leaf
	mu   sync.Mutex
	prev *request.Request
	seen []bool // for each request: had the previous one ended?
}

func (o *ordered) RenderGET(r *request.Request) ([]byte, error) {
	o.mu.Lock()
	o.seen = append(o.seen, o.prev == nil || ended(o.prev))
	o.prev = r
	o.mu.Unlock()
	go r.FinishWith([]byte(r.Path()))
	return nil, resource.NotDoneYet
}

// ended reports whether r's response has ended.
func ended(r *request.Request) bool {
	select {
	case <-r.NotifyFinish():
		return true
	default:
		return false
	}
}

// Pipelined requests on one connection are dispatched one at a time: the
// second only after the first finished (Twisted's RFC 9112 §9.3.2 tests).
func TestPipelinedRequestsInOrder(t *testing.T) {
	o := &ordered{}
	_, srv := serve(t, o)
	out := raw(t, srv, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if i, j := strings.Index(out, "/first"), strings.Index(out, "/second"); i < 0 || j < i {
		t.Fatalf("responses out of order: %q", out)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.seen) != 2 || !o.seen[1] {
		t.Errorf("the second request was rendered before the first finished: %v", o.seen)
	}
}
