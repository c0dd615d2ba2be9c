package request_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Tests of responses that go on after the render method returned
// resource.NotDoneYet.

func TestAsyncWritesStreamAndFinish(t *testing.T) {
	d := testutil.NewDeferred()
	_, srv := testutil.Serve(t, d)
	respc := testutil.GetLater(t, srv.Client(), srv.URL+"/")
	r := <-d.Reqs
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

func TestFinishWithoutWriteSendsHeaders(t *testing.T) {
	d := testutil.NewDeferred()
	_, srv := testutil.Serve(t, d)
	go func() {
		r := <-d.Reqs
		r.Redirect("/elsewhere")
		r.Finish()
	}()
	resp, err := testutil.NoRedirects(srv.Client()).Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestHTTP10AsyncClosesConnection(t *testing.T) {
	d := testutil.NewDeferred()
	_, srv := testutil.Serve(t, d)
	go func() {
		r := <-d.Reqs
		r.Write([]byte("<html><body>"))
		r.Write([]byte("done</body></html>"))
		r.Finish()
	}()
	out := testutil.Raw(t, srv, "GET / HTTP/1.0\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.0 200 OK") || strings.Contains(out, "Content-Length") ||
		!strings.HasSuffix(out, "<html><body>done</body></html>") {
		t.Errorf("HTTP/1.0 async: %q", out)
	}
}

// streamer writes chunks in a loop until a write fails, and reports that
// failure on errs.
type streamer struct {
	resource.Leaf
	started chan struct{}
	errs    chan error
}

func (s *streamer) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		chunk := []byte(strings.Repeat("x", 1024) + "\n")
		for i := 0; ; i++ {
			if _, err := r.Write(chunk); err != nil {
				s.errs <- err
				return
			}
			if i == 0 {
				close(s.started)
			}
			if i > 1<<20 { // a gigabyte: the client never left
				s.errs <- errors.New("writes never failed")
				r.Finish()
				return
			}
		}
	}()
	return nil, resource.NotDoneYet
}

func TestClientGoesAwayMidStream(t *testing.T) {
	st := &streamer{started: make(chan struct{}), errs: make(chan error, 1)}
	root := resource.New()
	root.PutChild("stream", st)
	root.PutChild("ok", testutil.Page("fine"))
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, root, testutil.LogTo(&log))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatal(err)
	}
	<-st.started
	conn.Close()
	if err := testutil.Receive(t, st.errs, 10*time.Second, "writes never failed"); !errors.Is(err, request.ErrGone) {
		t.Errorf("write after the client left: %v, want ErrGone", err)
	}
	if resp, body := testutil.Do(t, srv, "GET", "/ok", nil); resp.StatusCode != 200 || body != "fine" {
		t.Errorf("next request: %d %q", resp.StatusCode, body)
	}
	if strings.Contains(log.String(), "panic") {
		t.Errorf("a panic was logged:\n%s", log.String())
	}
}

// TestAbort gives up on responses: the reason reaches NotifyFinish, and
// every later Write and Finish returns it.
func TestAbort(t *testing.T) {
	custom := errors.New("the resource gave up")
	tests := []struct{ given, want error }{
		{nil, request.ErrGone},
		{request.ErrClosed, request.ErrClosed},
		{custom, custom},
	}
	for _, tt := range tests {
		r := request.New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
		notify := r.NotifyFinish()
		r.Abort(tt.given)
		r.Abort(errors.New("a second reason")) // ignored: the response ended
		_, werr := r.Write([]byte("x"))
		got := []error{<-notify, werr, r.Finish(), r.Flush(), <-r.NotifyFinish()}
		for i, err := range got {
			if !errors.Is(err, tt.want) {
				t.Errorf("Abort(%v): result %d is %v, want %v", tt.given, i, err, tt.want)
			}
		}
	}
}
