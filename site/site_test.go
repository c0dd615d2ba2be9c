package site_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// Tests of the Site itself: how ServeHTTP waits for a response that
// returned resource.NotDoneYet, and how Close ends it.

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
	if err := testutil.Receive(t, notify, 10*time.Second, "no notification that the client went away"); !errors.Is(err, request.ErrGone) {
		t.Errorf("NotifyFinish: %v, want ErrGone", err)
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
	respc := testutil.GetLater(t, srv.Client(), srv.URL+"/")
	r := <-d.reqs
	notify := r.NotifyFinish()
	s.Close()
	if err := <-notify; !errors.Is(err, request.ErrClosed) {
		t.Errorf("NotifyFinish after Close: %v", err)
	}
	// A client that was sent nothing is told the server is going away,
	// not given an empty 200.
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "503 - Service Unavailable") {
		t.Errorf("client got %d %q %v, want the 503 page", resp.StatusCode, body, err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, request.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
}

// TestCloseCutsStartedResponses: a pending response that had begun when
// the Site closed is cut off, as one its resource abandons: its client
// must not take the bytes sent so far for the whole response, which a
// chunked response ended cleanly would tell it.
func TestCloseCutsStartedResponses(t *testing.T) {
	st := &stream{reqs: make(chan *request.Request, 1)}
	s, srv := serve(t, st)
	respc := testutil.GetLater(t, srv.Client(), srv.URL+"/")
	r := <-st.reqs
	r.Flush()
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	first := make([]byte, len("start;"))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if rest, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("client got %q%q, a whole response; want it cut off", first, rest)
	}
}

// headersThenWait sets headers, then waits for the Site to close.
type headersThenWait struct{ *deferred }

func (h *headersThenWait) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Encoding", "gzip")
	r.SetHeader("ETag", `"x"`)
	return h.deferred.RenderGET(r)
}

func TestCloseAnswerDropsTheResourcesHeaders(t *testing.T) {
	h := &headersThenWait{newDeferred()}
	s, srv := serve(t, h)
	respc := testutil.GetLater(t, srv.Client(), srv.URL+"/")
	<-h.reqs
	s.Close()
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") != "" {
		t.Errorf("503 after Close: %d %v", resp.StatusCode, resp.Header)
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
	out := testutil.Raw(t, srv, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"+
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

func TestNilSessionFactoryPanicsEveryTime(t *testing.T) {
	s := site.New(page("x"))
	s.SessionFactory = nil
	for range 2 {
		func() {
			defer func() {
				if v := recover(); v == nil {
					t.Error("no panic for a nil SessionFactory")
				}
			}()
			s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
	}
}
