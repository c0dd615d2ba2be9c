package resource_test

import (
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
)

const notFoundPage = "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n  <body>\n" +
	"    <h1>No Such Resource</h1>\n    <p>Sorry. No luck finding that resource.</p>\n  </body>\n</html>\n"

func TestNotFoundPageIsTwisteds(t *testing.T) {
	_, srv := testutil.Serve(t, resource.New()) // a bare root has no "" child: / is 404
	resp, body := testutil.Do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 404 || body != notFoundPage || len(body) != 167 {
		t.Fatalf("got %d %q (%d bytes), want 404 and Twisted's 167-byte page", resp.StatusCode, body, len(body))
	}
	if ct, cl := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"); ct != "text/html; charset=utf-8" || cl != "167" {
		t.Errorf("Content-Type %q Content-Length %q", ct, cl)
	}
}

func TestErrorPagesEscape(t *testing.T) {
	tests := []struct {
		path string
		page *resource.Page
		code int
		body string
	}{
		{"/e", resource.ErrorPage(321, "<b>brief</b>", "<script>detail</script>"), 321,
			"\n<html>\n  <head><title>321 - &lt;b&gt;brief&lt;/b&gt;</title></head>\n  <body>\n    <h1>&lt;b&gt;brief&lt;/b&gt;</h1>\n    <p>&lt;script&gt;detail&lt;/script&gt;</p>\n  </body>\n</html>\n"},
		{"/nf/deeper/still", resource.NoResource("<i>gone</i>"), 404,
			"\n<html>\n  <head><title>404 - No Such Resource</title></head>\n  <body>\n    <h1>No Such Resource</h1>\n    <p>&lt;i&gt;gone&lt;/i&gt;</p>\n  </body>\n</html>\n"},
		{"/fb", resource.Forbidden(""), 403,
			"\n<html>\n  <head><title>403 - Forbidden Resource</title></head>\n  <body>\n    <h1>Forbidden Resource</h1>\n    <p>Sorry, resource is forbidden.</p>\n  </body>\n</html>\n"},
		{"/fb2", resource.Forbidden("Go away."), 403,
			"\n<html>\n  <head><title>403 - Forbidden Resource</title></head>\n  <body>\n    <h1>Forbidden Resource</h1>\n    <p>Go away.</p>\n  </body>\n</html>\n"},
	}
	root := resource.New()
	for _, tt := range tests {
		root.PutChild(strings.Split(tt.path, "/")[1], tt.page)
	}
	_, srv := testutil.Serve(t, root)
	for _, tt := range tests {
		if tt.page.Code() != tt.code {
			t.Errorf("%s: Code() = %d, want %d", tt.path, tt.page.Code(), tt.code)
		}
		for _, method := range []string{"GET", "POST"} {
			resp, body := testutil.Do(t, srv, method, tt.path, nil)
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("%s %s: %d %q", method, tt.path, resp.StatusCode, body)
			}
		}
	}
}
