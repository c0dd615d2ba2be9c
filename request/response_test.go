package request_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// flushCounter counts the flushes a Site makes on the server's writer.
type flushCounter struct {
	http.ResponseWriter
	n *atomic.Int32
}

func (f flushCounter) Flush() {
	f.n.Add(1)
	f.ResponseWriter.(http.Flusher).Flush()
}

func (f flushCounter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// serveCounting serves root with a Site whose writer counts flushes.
func serveCounting(t *testing.T, root resource.Resource) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	s := site.New(root)
	n := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		s.ServeHTTP(flushCounter{w, n}, hr)
	}))
	t.Cleanup(func() { srv.Close(); s.Close() })
	return srv, n
}

// Writes made while the render method runs are coalesced: no flush, and
// the whole body goes out with a Content-Length.
func TestSyncWritesAreCoalesced(t *testing.T) {
	srv, flushes := serveCounting(t, testutil.Func(func(r *request.Request) ([]byte, error) {
		for range 100 {
			r.Write([]byte("0123456789"))
		}
		return nil, nil
	}))
	resp, body := testutil.Do(t, srv, "GET", "/", nil)
	if len(body) != 1000 || resp.ContentLength != 1000 {
		t.Errorf("got %d bytes, Content-Length %d; want 1000 and 1000", len(body), resp.ContentLength)
	}
	if n := flushes.Load(); n != 0 {
		t.Errorf("a synchronous render made %d flushes, want 0", n)
	}
}

// After NotDoneYet, each Write reaches the client before the next is made.
func TestAsyncWritesArePrompt(t *testing.T) {
	next := make(chan string)
	srv, flushes := serveCounting(t, testutil.Func(func(r *request.Request) ([]byte, error) {
		r.Write([]byte("during render;")) // coalesced, sent at NotDoneYet
		go func() {
			for chunk := range next {
				r.Write([]byte(chunk))
			}
			r.Finish()
		}()
		return nil, resource.NotDoneYet
	}))
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	readN := func(n int) string {
		p := make([]byte, n)
		if _, err := io.ReadFull(br, p); err != nil {
			t.Fatal(err)
		}
		return string(p)
	}
	if got := readN(len("during render;")); got != "during render;" {
		t.Fatalf("first bytes %q", got)
	}
	for _, chunk := range []string{"one;", "two;", "three"} {
		next <- chunk // the client reads it before the next one is written
		if got := readN(len(chunk)); got != chunk {
			t.Fatalf("read %q, want %q", got, chunk)
		}
	}
	close(next)
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("trailing bytes %q", rest)
	}
	if n := flushes.Load(); n < 4 {
		t.Errorf("%d flushes for an async response of 4 writes", n)
	}
}

// Flush sends what was written while the render method still runs.
func TestFlushDuringRender(t *testing.T) {
	read := make(chan struct{})
	srv, flushes := serveCounting(t, testutil.Func(func(r *request.Request) ([]byte, error) {
		r.Write([]byte("early;"))
		if err := r.Flush(); err != nil {
			return nil, err
		}
		<-read // the client has the early part before the render returns
		return []byte("late"), nil
	}))
	if resp := earlyThenLate(t, srv.URL, read); resp.ContentLength != -1 {
		t.Errorf("Content-Length %d", resp.ContentLength)
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("%d flushes, want 1", n)
	}
}

// Stream before any Write sends nothing: the status may still change.
func TestStreamKeepsStatusOpen(t *testing.T) {
	srv, _ := serveCounting(t, testutil.Func(func(r *request.Request) ([]byte, error) {
		r.Stream()
		if r.HeadersSent() {
			t.Error("Stream sent the headers with nothing written")
		}
		r.SetResponseCode(http.StatusAccepted)
		return []byte("ok"), nil
	}))
	if resp, body := testutil.Do(t, srv, "GET", "/", nil); resp.StatusCode != 202 || body != "ok" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
}

// The one ResponseWriter adapter keeps net/http's rules: 1xx statuses go
// out at once, HEAD gets the Content-Length of the body it does not send,
// 204 and 304 refuse a body, and an invalid status panics before anything
// is sent, so the failure page still can be.
func TestResponseWriterRules(t *testing.T) {
	root := resource.New()
	root.PutChild("hints", testutil.Func(func(r *request.Request) ([]byte, error) {
		w := r.ResponseWriter()
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "after hints")
		return nil, nil
	}))
	root.PutChild("sized", testutil.Func(func(r *request.Request) ([]byte, error) {
		io.WriteString(r.ResponseWriter(), "<p>twelve b</p>") // sniffed: text/html
		return nil, nil
	}))
	for _, code := range []int{http.StatusNoContent, http.StatusNotModified} {
		root.PutChild(http.StatusText(code), testutil.Func(func(r *request.Request) ([]byte, error) {
			w := r.ResponseWriter()
			w.WriteHeader(code)
			if _, err := io.WriteString(w, "no body allowed"); !errors.Is(err, http.ErrBodyNotAllowed) {
				t.Errorf("%d: Write returned %v, want ErrBodyNotAllowed", code, err)
			}
			return nil, nil
		}))
	}
	root.PutChild("invalid", testutil.Func(func(r *request.Request) ([]byte, error) {
		r.ResponseWriter().WriteHeader(42)
		return nil, nil
	}))
	_, srv := testutil.Serve(t, root, testutil.Quiet)

	hints, resp, body := testutil.SendTraced(t, srv.Client(), testutil.NewRequest(t, "GET", srv.URL+"/hints", nil))
	if len(hints) != 1 || hints[0].Code != 103 || resp.StatusCode != 200 || body != "after hints" {
		t.Errorf("1xx: hints %v, then %d %q", hints, resp.StatusCode, body)
	}

	for _, method := range []string{"GET", "HEAD"} {
		resp, body := testutil.Do(t, srv, method, "/sized", nil)
		if resp.ContentLength != 15 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Length %d, Content-Type %q", method, resp.ContentLength, resp.Header.Get("Content-Type"))
		}
		if want := map[string]string{"GET": "<p>twelve b</p>", "HEAD": ""}[method]; body != want {
			t.Errorf("%s: body %q, want %q", method, body, want)
		}
	}
	for _, code := range []int{http.StatusNoContent, http.StatusNotModified} {
		resp, body := testutil.Do(t, srv, "GET", "/"+strings.ReplaceAll(http.StatusText(code), " ", "%20"), nil)
		if resp.StatusCode != code || body != "" {
			t.Errorf("%d: got %d %q", code, resp.StatusCode, body)
		}
	}
	if resp, body := testutil.Do(t, srv, "GET", "/invalid", nil); resp.StatusCode != 500 || !strings.Contains(body, "Processing Failed") {
		t.Errorf("invalid status: %d %q, want the 500 page", resp.StatusCode, body)
	}
}
