package request_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// rangePage serves a 10-byte text through ServeContent, so that a Range
// request gets 206 from the standard library, then reports what the
// Request saw in headers.
type rangePage struct{ resource.Leaf }

func (rangePage) RenderGET(r *request.Request) ([]byte, error) {
	http.ServeContent(r.ResponseWriter(), r.HTTPRequest(), "t.txt", time.Time{}, strings.NewReader("0123456789"))
	if !r.HeadersSent() {
		panic("HeadersSent is false after ServeContent")
	}
	return nil, r.Finish()
}

// TestResponseWriterKeepsRequestInStep checks that what a resource writes
// through ResponseWriter reaches the Request: the access log has the
// status and byte count the standard library sent, and Finish afterwards
// sends no second status line (net/http would log a superfluous
// WriteHeader call).
func TestResponseWriterKeepsRequestInStep(t *testing.T) {
	root := resource.New()
	root.PutChild("r", rangePage{})
	var accessLog, serverLog testutil.SyncBuffer
	s := site.New(root)
	s.AccessLog = &accessLog
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	srv.Start()
	defer s.Close()
	defer srv.Close()

	resp, body := testutil.Do(t, srv, "GET", "/r", nil, "Range", "bytes=2-5")
	if resp.StatusCode != http.StatusPartialContent || body != "2345" {
		t.Fatalf("GET /r with Range: %d %q, want 206 \"2345\"", resp.StatusCode, body)
	}
	resp, body = testutil.Do(t, srv, "GET", "/r", nil)
	if resp.StatusCode != http.StatusOK || body != "0123456789" {
		t.Fatalf("GET /r: %d %q", resp.StatusCode, body)
	}
	lines := strings.Split(strings.TrimSpace(accessLog.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `" 206 4 "`) || !strings.Contains(lines[1], `" 200 10 "`) {
		t.Errorf("access log:\n%s\nwant 206 with 4 bytes, then 200 with 10", accessLog.String())
	}
	if got := serverLog.String(); got != "" {
		t.Errorf("the server logged: %s", got)
	}
}

// TestResponseWriterEdges covers what a resource may do with the writer
// besides ServeContent: a body net/http measures itself (HEAD must keep the
// Content-Length GET gets), an invalid status (the failure page, not a cut
// connection), and hijacking the connection (the server stops waiting).
func TestResponseWriterEdges(t *testing.T) {
	root := resource.New()
	root.PutChild("text", testutil.Func(func(r *request.Request) ([]byte, error) {
		io.WriteString(r.ResponseWriter(), "hello world")
		return nil, r.Finish()
	}))
	root.PutChild("bad", testutil.Func(func(r *request.Request) ([]byte, error) {
		r.ResponseWriter().WriteHeader(42)
		return nil, r.Finish()
	}))
	hijacked := make(chan []error, 1)
	root.PutChild("hijack", testutil.Func(func(r *request.Request) ([]byte, error) {
		w := r.ResponseWriter()
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return nil, err
		}
		// The header map outlives the Hijack, as net/http's does:
		// httputil.ReverseProxy fills it, then writes it itself.
		w.Header().Set("X-Kept", "yes")
		go func() {
			rw.WriteString("HTTP/1.1 200 OK\r\nX-Kept: " + w.Header().Get("X-Kept") + "\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			rw.Flush()
			c.Close()
			// The Request writes nothing more, and stays pending until
			// the connection's new owner says it is done.
			_, werr := r.Write([]byte("x"))
			pending := ended(r)
			ferr := r.Finish()
			hijacked <- []error{werr, pending, ferr, r.Finish(), <-r.NotifyFinish()}
		}()
		return nil, resource.NotDoneYet
	}))
	var logged testutil.SyncBuffer
	_, srv := testutil.Serve(t, root, testutil.LogTo(&logged))

	for _, method := range []string{"GET", "HEAD"} {
		resp, _ := testutil.Do(t, srv, method, "/text", nil)
		if resp.ContentLength != 11 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s /text: Content-Length %d, Content-Type %q; want 11, text/plain", method, resp.ContentLength, resp.Header.Get("Content-Type"))
		}
	}
	if resp, body := testutil.Do(t, srv, "GET", "/bad", nil); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "Processing Failed") {
		t.Errorf("GET /bad: %d %q, want the 500 page", resp.StatusCode, body)
	}
	if !strings.Contains(logged.String(), "invalid WriteHeader code 42") {
		t.Errorf("the panic was not logged: %s", logged.String())
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hijacked" || resp.Header.Get("X-Kept") != "yes" {
		t.Errorf("GET /hijack: %q, X-Kept %q; want what the hijacker wrote", body, resp.Header.Get("X-Kept"))
	}
	// Write, whether it had ended before Finish, Finish, a second Finish,
	// NotifyFinish.
	want := []error{http.ErrHijacked, errPending, nil, request.ErrFinished, nil}
	if got := <-hijacked; !errorsAre(got, want) {
		t.Errorf("after Hijack: %v, want %v", got, want)
	}
}

// ended returns the error that ended r's response (nil if it finished), or
// errPending if it has not ended.
func ended(r *request.Request) error {
	select {
	case err := <-r.NotifyFinish():
		return err
	default:
		return errPending
	}
}

var errPending = errors.New("pending")

// errorsAre reports whether each error of got is its counterpart in want,
// as errors.Is says.
func errorsAre(got, want []error) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !errors.Is(got[i], want[i]) || (got[i] == nil) != (want[i] == nil) {
			return false
		}
	}
	return true
}

// TestResponseWriterFlush streams through the adapter: what the resource
// flushes reaches the client while the render method still runs, the
// adapter reaches the server's writer for http.ResponseController through
// Unwrap, and flushing after Finish fails.
func TestResponseWriterFlush(t *testing.T) {
	read := make(chan struct{})
	after := make(chan []error, 1)
	_, srv := testutil.Serve(t, testutil.Func(func(r *request.Request) ([]byte, error) {
		w := r.ResponseWriter()
		rc := http.NewResponseController(w)
		deadline := rc.SetWriteDeadline(time.Now().Add(time.Minute)) // through Unwrap
		io.WriteString(w, "early;")
		w.(http.Flusher).Flush()
		<-read
		io.WriteString(w, "late")
		r.Finish()
		after <- []error{deadline, rc.Flush()}
		return nil, nil
	}))
	earlyThenLate(t, srv.URL, read)
	// SetWriteDeadline, Flush after Finish.
	if got, want := <-after, []error{nil, request.ErrFinished}; !errorsAre(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestHijackedRequestOutlivesHandler checks that the Site does not wait for
// a Request whose connection was hijacked: its handler returns while the
// Request is pending, the Request's context lives on, and the Request ends
// when its owner finishes it or when the Site closes (ErrClosed), which is
// when its context is cancelled and its access-log line written.
func TestHijackedRequestOutlivesHandler(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(s *site.Site, r *request.Request)
		want error // what NotifyFinish reports, and the context's cause; nil: Finish
	}{
		{"Finish", func(_ *site.Site, r *request.Request) { r.Finish() }, nil},
		{"Abort", func(_ *site.Site, r *request.Request) { r.Abort(nil) }, request.ErrGone},
		{"Site.Close", func(s *site.Site, _ *request.Request) { s.Close() }, request.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reqs := make(chan *request.Request, 1)
			root := resource.New()
			root.PutChild("hijack", testutil.Func(func(r *request.Request) ([]byte, error) {
				c, _, err := http.NewResponseController(r.ResponseWriter()).Hijack()
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { c.Close() })
				reqs <- r
				return nil, resource.NotDoneYet
			}))
			var accessLog testutil.SyncBuffer
			s := site.New(root)
			s.AccessLog = &accessLog
			srv, returned := testutil.StartSignalling(t, s)
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")

			r := <-reqs
			testutil.Receive(t, returned, 10*time.Second, "ServeHTTP's return while the hijacked Request is pending")
			notify := r.NotifyFinish()
			ctx := r.Context()
			select {
			case err := <-notify:
				t.Fatalf("the Request ended with the handler: %v", err)
			default:
			}
			if ctx.Err() != nil {
				t.Fatalf("the Request's context ended with the handler: %v", context.Cause(ctx))
			}
			if got := accessLog.String(); got != "" {
				t.Errorf("logged before the Request ended: %s", got)
			}

			tc.end(s, r)
			if err := <-notify; err != tc.want {
				t.Errorf("NotifyFinish: %v, want %v", err, tc.want)
			}
			<-ctx.Done()
			want := tc.want
			if want == nil {
				want = context.Canceled
			}
			if cause := context.Cause(ctx); cause != want {
				t.Errorf("the context's cause: %v, want %v", cause, want)
			}
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(accessLog.String(), "GET /hijack"); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no access-log line after the Request ended")
				}
			}
		})
	}
}
