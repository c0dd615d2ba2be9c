package resource_test

import (
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
	root := resource.New()
	root.PutChild("e", resource.ErrorPage(321, "<b>brief</b>", "<script>detail</script>"))
	root.PutChild("nf", resource.NoResource("<i>gone</i>"))
	root.PutChild("fb", resource.Forbidden(""))
	_, srv := testutil.Serve(t, root)
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
			resp, body := testutil.Do(t, srv, method, tt.path, nil)
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("%s %s: %d %q", method, tt.path, resp.StatusCode, body)
			}
		}
	}
}
