package resource_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// failing fails in the way its name says.
type failing struct {
	resource.Base
	how string
}

func (f *failing) RenderGET(*request.Request) ([]byte, error) {
	switch f.how {
	case "panic":
		panic("kaboom <b>")
	case "status":
		return nil, &request.StatusError{Code: 418, Err: errors.New("secret detail")}
	case "unicode":
		return nil, errors.New("snowman \u2603 <i>")
	}
	return nil, errors.New("kaboom <b>")
}

// failingChild fails in GetChild.
type failingChild struct{ resource.Base }

func (*failingChild) GetChild(string, *request.Request) (resource.Resource, error) {
	panic("child kaboom")
}

const processingFailed = "<html><head><title>Processing Failed</title></head><body><b>Processing Failed</b></body></html>"

func failingTree() *resource.Base {
	root := resource.New()
	for _, how := range []string{"error", "panic", "status", "unicode"} {
		root.PutChild(how, &failing{how: how})
	}
	root.PutChild("child", &failingChild{})
	root.PutChild("ok", testutil.Page("fine"))
	return root
}

func TestFailures(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, failingTree(), testutil.LogTo(&log))
	for _, path := range []string{"/error", "/panic", "/child/x"} {
		resp, body := testutil.Do(t, srv, "GET", path, nil)
		if resp.StatusCode != 500 || body != processingFailed || len(body) != 95 ||
			resp.Header.Get("Content-Type") != "text/html" {
			t.Errorf("%s: %d %q %v", path, resp.StatusCode, body, resp.Header)
		}
		// The server keeps serving.
		if _, body := testutil.Do(t, srv, "GET", "/ok", nil); body != "fine" {
			t.Errorf("after %s: %q", path, body)
		}
	}
	logged := log.String()
	for _, want := range []string{"kaboom <b>", "child kaboom", "stack=", "resource/serve_test.go"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	if n := strings.Count(logged, "processing failed"); n != 3 {
		t.Errorf("%d failures logged, want 3 (one each)", n)
	}
	resp, body := testutil.Do(t, srv, "GET", "/status", nil)
	if resp.StatusCode != 418 || strings.Contains(body, "secret") || !strings.Contains(body, "418 - I&#39;m a teapot") {
		t.Errorf("StatusError: %d %q", resp.StatusCode, body)
	}
}

func TestDisplayTracebacks(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, failingTree(), testutil.LogTo(&log), func(s *site.Site) { s.DisplayTracebacks = true })
	resp, body := testutil.Do(t, srv, "GET", "/panic", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, "web.Server Traceback (most recent call last)") ||
		!strings.Contains(body, "kaboom &lt;b&gt;") || strings.Contains(body, "<b>kaboom") ||
		!strings.Contains(body, "resource/serve_test.go") {
		t.Errorf("traceback page: %d %q", resp.StatusCode, body)
	}
	_, body = testutil.Do(t, srv, "GET", "/unicode", nil)
	if !strings.Contains(body, "snowman &#9731; &lt;i&gt;") {
		t.Errorf("unicode traceback: %q", body)
	}
}

func TestStarTarget(t *testing.T) {
	_, srv := testutil.Serve(t, resource.New())
	tests := []struct {
		method string
		code   int
		allow  string
	}{
		{"OPTIONS", 200, ""},
		{"GET", 405, "OPTIONS"},
	}
	for _, tt := range tests {
		out := testutil.Raw(t, srv, tt.method+" * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, body := testutil.ParseResponse(t, out, tt.method)
		if resp.StatusCode != tt.code || resp.Header.Get("Allow") != tt.allow ||
			resp.Header.Get("Content-Length") != "0" || body != "" {
			t.Errorf("%s *: %q", tt.method, out)
		}
	}
}

func TestAsyncFromAnotherGoroutine(t *testing.T) {
	root := resource.New()
	root.PutChild("", &later{})
	_, srv := testutil.Serve(t, root)
	resp, body := testutil.Do(t, srv, "GET", "/", nil)
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

// halfThenFail writes part of its body, then fails.
type halfThenFail struct{ resource.Leaf }

func (halfThenFail) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("half a page"))
	return nil, errors.New("kaboom after the first byte")
}

// A response that fails after its first byte is cut off, so that the
// client sees an error rather than a short body that looks whole.
func TestFailureAfterFirstByteBreaksTheConnection(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, halfThenFail{}, testutil.LogTo(&log))
	// The half page may still be in the server's buffer when the
	// connection is cut: the client sees an error either way.
	resp, err := srv.Client().Get(srv.URL + "/")
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("read %q with no error: a truncated response looked complete", body)
		}
	}
	if !strings.Contains(log.String(), "kaboom after the first byte") {
		t.Errorf("failure not logged: %s", log.String())
	}
}

// unavailable returns a 5xx StatusError.
type unavailable struct{ resource.Leaf }

func (unavailable) RenderGET(*request.Request) ([]byte, error) {
	return nil, &request.StatusError{Code: 503, Err: errors.New("database down")}
}

func TestStatusError5xx(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, unavailable{}, testutil.LogTo(&log))
	resp, body := testutil.Do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "503 - Service Unavailable") || strings.Contains(body, "database") {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if !strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("a 5xx StatusError is logged as an error: %s", log.String())
	}
}
