package resource_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
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
	for _, how := range []string{"error", "panic", "unicode"} {
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

// cut writes part of its body, then fails in the way its postpath says.
var cut = testutil.Func(func(r *request.Request) ([]byte, error) {
	r.Write([]byte("half a page"))
	switch r.Postpath()[0] {
	case "status":
		return nil, &request.StatusError{Code: 400, Err: errors.New("kaboom after the first byte")}
	case "abort":
		panic(http.ErrAbortHandler)
	}
	return nil, errors.New("kaboom after the first byte")
})

// A response that fails after its first byte is cut off, so that the
// client sees an error rather than a short body that looks whole.
func TestFailureAfterFirstByteBreaksTheConnection(t *testing.T) {
	tests := []struct {
		path   string
		logged string // what the log says; "" for nothing
	}{
		{"/error", "processing failed"},
		{"/status", "request refused"},
		{"/abort", ""}, // net/http's own way to cut a response
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var log testutil.SyncBuffer
			_, srv := testutil.Serve(t, cut, testutil.LogTo(&log))
			// The half page may still be in the server's buffer when the
			// connection is cut: the client sees an error either way.
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err == nil {
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil {
					t.Errorf("read %q with no error: a truncated response looked complete", body)
				}
			}
			got := log.String()
			if tt.logged == "" && got != "" {
				t.Errorf("logged %s, want nothing", got)
			}
			if tt.logged != "" && (!strings.Contains(got, tt.logged) || !strings.Contains(got, "kaboom after the first byte")) {
				t.Errorf("log: %s, want %q", got, tt.logged)
			}
		})
	}
}

// refuse returns a StatusError with the status its query names.
var refuse = testutil.Func(func(r *request.Request) ([]byte, error) {
	code, _ := strconv.Atoi(r.Arg("code"))
	return nil, &request.StatusError{Code: code, Err: errors.New("secret detail")}
})

// TestStatusErrors shows what a StatusError gives: the page for its status
// if it is a 4xx or 5xx (its error logged, never shown; at level ERROR for
// a 5xx), the failure page otherwise.
func TestStatusErrors(t *testing.T) {
	tests := []struct {
		code, status int
		title, text  string
		level        string
	}{
		{400, 400, "400 - Bad Request", "The request could not be understood.", "INFO"},
		{413, 413, "413 - Request Entity Too Large", "The request body is larger than this server accepts.", "INFO"},
		{408, 408, "408 - Request Timeout", "The request body did not arrive in time.", "INFO"},
		{418, 418, "418 - I&#39;m a teapot", "The request was refused.", "INFO"},
		{503, 503, "503 - Service Unavailable", "The service is temporarily unavailable. Please try again shortly.", "ERROR"},
		{302, 500, "Processing Failed", "Processing Failed", "ERROR"},
		{0, 500, "Processing Failed", "Processing Failed", "ERROR"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			var log testutil.SyncBuffer
			_, srv := testutil.Serve(t, refuse, testutil.LogTo(&log))
			resp, body := testutil.Do(t, srv, "GET", "/?code="+strconv.Itoa(tt.code), nil)
			if resp.StatusCode != tt.status || !strings.Contains(body, "<title>"+tt.title+"</title>") ||
				!strings.Contains(body, tt.text) || strings.Contains(body, "secret") {
				t.Errorf("%d %q, want %d %q with %q", resp.StatusCode, body, tt.status, tt.title, tt.text)
			}
			if got := log.String(); !strings.Contains(got, "level="+tt.level) || !strings.Contains(got, "secret detail") {
				t.Errorf("log: %s, want the error at level %s", got, tt.level)
			}
		})
	}
}

// failLater fails after returning NotDoneYet, through Fail, with the
// error its query names.
var failLater = testutil.Func(func(r *request.Request) ([]byte, error) {
	go func() {
		var err error = errors.New("failed later")
		if r.Arg("status") != "" {
			err = &request.StatusError{Code: http.StatusServiceUnavailable, Err: err}
		}
		resource.Fail(r, err, nil)
	}()
	return nil, resource.NotDoneYet
})

func TestFailAfterNotDoneYet(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, failLater, testutil.LogTo(&log))
	tests := []struct {
		query string
		code  int
		body  string
	}{
		{"", 500, processingFailed},
		{"?status=1", 503, "<title>503 - Service Unavailable</title>"},
	}
	for _, tt := range tests {
		resp, body := testutil.Do(t, srv, "GET", "/"+tt.query, nil)
		if resp.StatusCode != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%q: %d %q, want %d with %q", tt.query, resp.StatusCode, body, tt.code, tt.body)
		}
	}
	if n := strings.Count(log.String(), "failed later"); n != 2 {
		t.Errorf("%d failures logged, want 2:\n%s", n, log.String())
	}
}

// TestErrorPageDropsRepresentation: the page that replaces a failed
// render does not carry the headers that described the body the resource
// meant to send, which would make a client decode, cut or save it as that
// body; the other headers stay.
func TestErrorPageDropsRepresentation(t *testing.T) {
	dropped := []string{"Content-Encoding", "Content-Range", "Content-Disposition", "Content-Location", "ETag", "Last-Modified"}
	failWith := func(err error) resource.Resource {
		return testutil.Func(func(r *request.Request) ([]byte, error) {
			r.SetHeader("Content-Encoding", "br")
			r.SetHeader("Content-Range", "bytes 0-9/100")
			r.SetHeader("Content-Disposition", `attachment; filename="report.csv"`)
			r.SetHeader("Content-Location", "/report.csv")
			r.SetHeader("ETag", `"v1"`)
			r.SetHeader("Last-Modified", "Mon, 30 Nov 2026 00:00:00 GMT")
			r.SetHeader("X-Kept", "yes")
			return nil, err
		})
	}
	tests := []struct {
		name string
		err  error
		code int
		text string
	}{
		{"500", errors.New("kaboom"), 500, "Processing Failed"},
		{"404", &request.StatusError{Code: 404}, 404, "404 - Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := testutil.Serve(t, failWith(tt.err), testutil.LogTo(io.Discard))
			resp, body := testutil.Do(t, srv, "GET", "/", nil)
			if resp.StatusCode != tt.code || !strings.Contains(body, tt.text) {
				t.Fatalf("%d %q, want %d with %q", resp.StatusCode, body, tt.code, tt.text)
			}
			for _, name := range dropped {
				if v, ok := resp.Header[name]; ok {
					t.Errorf("the error page carries %s: %q", name, v)
				}
			}
			if resp.Header.Get("X-Kept") != "yes" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("headers %v, want X-Kept and the page's Content-Type", resp.Header)
			}
		})
	}
}
