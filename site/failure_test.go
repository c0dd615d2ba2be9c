package site_test

import (
	"errors"
	"strings"
	"testing"

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
	root.PutChild("ok", page("fine"))
	return root
}

func TestFailures(t *testing.T) {
	var log syncBuffer
	_, srv := serve(t, failingTree(), logTo(&log))
	for _, path := range []string{"/error", "/panic", "/child/x"} {
		resp, body := do(t, srv, "GET", path, nil)
		if resp.StatusCode != 500 || body != processingFailed || len(body) != 95 ||
			resp.Header.Get("Content-Type") != "text/html" {
			t.Errorf("%s: %d %q %v", path, resp.StatusCode, body, resp.Header)
		}
		// The server keeps serving.
		if _, body := do(t, srv, "GET", "/ok", nil); body != "fine" {
			t.Errorf("after %s: %q", path, body)
		}
	}
	logged := log.String()
	for _, want := range []string{"kaboom <b>", "child kaboom", "stack=", "failure_test.go"} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	if n := strings.Count(logged, "processing failed"); n != 3 {
		t.Errorf("%d failures logged, want 3 (one each)", n)
	}
	resp, body := do(t, srv, "GET", "/status", nil)
	if resp.StatusCode != 418 || strings.Contains(body, "secret") || !strings.Contains(body, "418 - I&#39;m a teapot") {
		t.Errorf("StatusError: %d %q", resp.StatusCode, body)
	}
}

func TestDisplayTracebacks(t *testing.T) {
	var log syncBuffer
	_, srv := serve(t, failingTree(), logTo(&log), func(s *site.Site) { s.DisplayTracebacks = true })
	resp, body := do(t, srv, "GET", "/panic", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, "web.Server Traceback (most recent call last)") ||
		!strings.Contains(body, "kaboom &lt;b&gt;") || strings.Contains(body, "<b>kaboom") ||
		!strings.Contains(body, "failure_test.go") {
		t.Errorf("traceback page: %d %q", resp.StatusCode, body)
	}
	_, body = do(t, srv, "GET", "/unicode", nil)
	if !strings.Contains(body, "snowman &#9731; &lt;i&gt;") {
		t.Errorf("unicode traceback: %q", body)
	}
}

func TestErrorPagesEscape(t *testing.T) {
	root := resource.New()
	root.PutChild("e", resource.ErrorPage(321, "<b>brief</b>", "<script>detail</script>"))
	root.PutChild("nf", resource.NoResource("<i>gone</i>"))
	root.PutChild("fb", resource.Forbidden(""))
	_, srv := serve(t, root)
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/e", 321, "\n<html>\n  <head><title>321 - &lt;b&gt;brief&lt;/b&gt;</title></head>\n  <body>\n    <h1>&lt;b&gt;brief&lt;/b&gt;</h1>\n    <p>&lt;script&gt;detail&lt;/script&gt;</p>\n  </body>\n</html>\n"},
		{"/nf/deeper/still", 404, "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n  <body>\n    <h1>No Such Resource</h1>\n    <p>&lt;i&gt;gone&lt;/i&gt;</p>\n  </body>\n</html>\n"},
		{"/fb", 403, "\n<html>\n  <head><title>403 - Forbidden Resource</title></head>\n  <body>\n    <h1>Forbidden Resource</h1>\n    <p>Sorry, resource is forbidden.</p>\n  </body>\n</html>\n"},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "POST"} {
			resp, body := do(t, srv, method, tt.path, nil)
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("%s %s: %d %q", method, tt.path, resp.StatusCode, body)
			}
		}
	}
}
