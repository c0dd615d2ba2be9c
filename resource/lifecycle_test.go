package resource_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// renderFunc is a leaf whose every method is f.
type renderFunc func(r *request.Request) ([]byte, error)

func (f renderFunc) IsLeaf() bool                                                { return true }
func (f renderFunc) ChildWithDefault(string, *request.Request) resource.Resource { return nil }
func (f renderFunc) PutChild(string, resource.Resource)                          {}
func (f renderFunc) Render(r *request.Request) ([]byte, error)                   { return f(r) }

// Fail called after the response was abandoned (its HTTP/2 client went
// away) does nothing to the server's writer, which net/http has let go:
// before, it changed the header map and crashed the process. Fail runs
// once the handler's goroutine has ended, when net/http is done with the
// writer: the order that crashed.
func TestFailAfterAbandonHTTP2(t *testing.T) {
	handler := make(chan string, 1)
	fail := make(chan struct{})
	done := make(chan struct{})
	leaf := renderFunc(func(r *request.Request) ([]byte, error) {
		handler <- goroutineID()
		go func() {
			defer close(done)
			<-r.NotifyFinish()
			<-fail
			resource.Fail(r, errors.New("the backend failed"), nil)
		}()
		return nil, resource.NotDoneYet
	})
	_, srv := testutil.ServeHTTP2(t, leaf, testutil.Quiet)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/", nil)
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the client to give up", resp.StatusCode)
	}
	id := testutil.Receive(t, handler, 10*time.Second, "not rendered")
	for deadline := time.Now().Add(10 * time.Second); !goroutineEnded(id); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(fail)
			t.Fatal("the handler's goroutine did not end after its client went away")
		}
	}
	close(fail)
	testutil.Receive(t, done, 10*time.Second, "Fail did not return")
}

// goroutineID returns the calling goroutine's id, as stack traces show it.
func goroutineID() string {
	buf := make([]byte, 64)
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf[:runtime.Stack(buf, false)]), "goroutine "), " ")
	return id
}

// goroutineEnded reports whether the goroutine id has returned.
func goroutineEnded(id string) bool {
	return !strings.Contains("\n\n"+testutil.Stacks(), "\n\ngoroutine "+id+" [")
}

// A resource that abandons its response (Request.Abort) leaves its client
// a cut connection, not a success: nothing sent, or what was sent.
func TestAbortCutsTheConnection(t *testing.T) {
	abandon := errors.New("the backend failed")
	root := resource.New()
	root.PutChild("async", renderFunc(func(r *request.Request) ([]byte, error) {
		go r.Abort(abandon)
		return nil, resource.NotDoneYet
	}))
	root.PutChild("partial", renderFunc(func(r *request.Request) ([]byte, error) {
		r.Write([]byte("partial"))
		r.Flush()
		r.Abort(abandon)
		return nil, nil
	}))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	for _, path := range []string{"/async", "/partial"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil {
			t.Errorf("%s: a whole %d response, want the connection cut", path, resp.StatusCode)
		}
	}
}

// A resource that panics with http.ErrAbortHandler (as httputil's proxy
// does) ends its Request: NotifyFinish says so.
func TestAbortHandlerPanicEndsTheRequest(t *testing.T) {
	got := make(chan (<-chan error), 1)
	leaf := renderFunc(func(r *request.Request) ([]byte, error) {
		got <- r.NotifyFinish()
		panic(http.ErrAbortHandler)
	})
	_, srv := testutil.Serve(t, leaf, testutil.Quiet)
	if resp, err := srv.Client().Get(srv.URL + "/"); err == nil {
		resp.Body.Close()
	}
	end := testutil.Receive(t, testutil.Receive(t, got, 10*time.Second, "not rendered"), 10*time.Second, "NotifyFinish never fired")
	if !errors.Is(end, http.ErrAbortHandler) {
		t.Errorf("NotifyFinish: %v, want http.ErrAbortHandler", end)
	}
}

// unavailable is a session store that cannot store anything.
type unavailable struct{ session.Store }

var errDown = errors.New("store down")

func (unavailable) Create(context.Context, *session.Record) error {
	return errors.Join(session.ErrUnavailable, errDown)
}
func (unavailable) Codec() session.Codec { return session.GobCodec{} }

// writeDuringStore is a session store whose store of a new session
// starts, through start, a goroutine that writes, then fails.
type writeDuringStore struct {
	unavailable
	start func()
}

func (st writeDuringStore) Create(ctx context.Context, rec *session.Record) error {
	st.start()
	return st.unavailable.Create(ctx, rec)
}

// holdLog is a slog.Handler that, before it takes a record whose message
// is msg, waits (10 seconds at most) for ready to be closed.
type holdLog struct {
	msg   string
	ready <-chan struct{}
}

func (holdLog) Enabled(context.Context, slog.Level) bool { return true }
func (l holdLog) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message == l.msg {
		select {
		case <-l.ready:
		case <-time.After(10 * time.Second):
		}
	}
	return nil
}
func (l holdLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l holdLog) WithGroup(string) slog.Handler      { return l }

// When a synchronous render's result cannot be sent (FinishWith's store
// of its new session fails) and a goroutine the render wrongly left
// behind has meanwhile sent the headers and some body, no failure page can
// follow: the connection is cut (over HTTP/2, the stream reset), so that
// the client does not take that partial response for a whole one.
func TestFinishFailedAfterAWriteCuts(t *testing.T) {
	type server = func(testing.TB, resource.Resource, ...func(*site.Site)) (*site.Site, *httptest.Server)
	for _, sv := range []struct {
		name  string
		serve server
	}{{"HTTP/1.1", testutil.Serve}, {"HTTP/2", testutil.ServeHTTP2}} {
		t.Run(sv.name, func(t *testing.T) {
			reqs := make(chan *request.Request, 1)
			wrote := make(chan struct{})
			st := writeDuringStore{start: func() {
				r := <-reqs
				go func() {
					defer close(wrote)
					r.Write([]byte("partial"))
				}()
			}}
			root := renderFunc(func(r *request.Request) ([]byte, error) {
				r.GetSession()
				reqs <- r
				return []byte("whole"), nil
			})
			// The write goes out before the failure is handled: Fail
			// logs it first.
			log := slog.New(holdLog{msg: "request refused", ready: wrote})
			_, srv := sv.serve(t, root, func(s *site.Site) { s.SessionStore = st; s.Logger = log })
			resp, err := srv.Client().Get(srv.URL + "/")
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if err == nil {
				t.Errorf("a whole %d response %q, want the connection cut", resp.StatusCode, body)
			}
			testutil.Receive(t, wrote, 10*time.Second, "the write never returned")
		})
	}
}

// When the session a response must carry cannot be saved, the client still
// gets a page, without the cookie: the resource's failure page, or 503 for
// a result the save kept from being sent. Before, the failure page was lost
// (an empty 200, or, after NotDoneYet, no answer at all).
func TestSessionSaveFailure(t *testing.T) {
	root := resource.New()
	root.PutChild("bad", renderFunc(func(r *request.Request) ([]byte, error) {
		r.GetSession()
		return nil, &request.StatusError{Code: http.StatusBadRequest, Err: errors.New("bad input")}
	}))
	root.PutChild("ok", renderFunc(func(r *request.Request) ([]byte, error) {
		r.GetSession()
		return []byte("fine"), nil
	}))
	root.PutChild("later", renderFunc(func(r *request.Request) ([]byte, error) {
		r.GetSession()
		go resource.Fail(r, errors.New("the backend failed"), nil)
		return nil, resource.NotDoneYet
	}))
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.SessionStore = unavailable{} })
	for path, want := range map[string]int{"/bad": 400, "/ok": 503, "/later": 500} {
		resp, body := testutil.Do(t, srv, "GET", path, nil)
		if resp.StatusCode != want || !strings.Contains(body, "<html>") || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: %d %q cookie %q, want the %d page without a cookie", path, resp.StatusCode, body, resp.Header.Get("Set-Cookie"), want)
		}
	}
}
