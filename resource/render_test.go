package resource_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// getPut renders GET and PUT.
type getPut struct{ resource.Base }

func (*getPut) RenderGET(*request.Request) ([]byte, error) { return []byte("got"), nil }
func (*getPut) RenderPUT(*request.Request) ([]byte, error) { return []byte("put"), nil }

// heh answers GET and the extra methods HEH and BREW (Twisted's render_HEH).
type heh struct{ resource.Base }

func (*heh) RenderGET(*request.Request) ([]byte, error) { return []byte("get"), nil }
func (*heh) ExtraMethods() []string                     { return []string{"HEH", "BREW"} }
func (*heh) RenderExtra(m string, _ *request.Request) ([]byte, error) {
	return []byte("extra " + m), nil
}

// every renders each standard method it can, with a body naming it; its
// HEAD answers 203, to show that RenderHEAD, not RenderGET, ran.
type every struct{ resource.Base }

func (*every) RenderGET(*request.Request) ([]byte, error)    { return []byte("GET"), nil }
func (*every) RenderPOST(*request.Request) ([]byte, error)   { return []byte("POST"), nil }
func (*every) RenderPUT(*request.Request) ([]byte, error)    { return []byte("PUT"), nil }
func (*every) RenderDELETE(*request.Request) ([]byte, error) { return []byte("DELETE"), nil }
func (*every) RenderPATCH(*request.Request) ([]byte, error)  { return []byte("PATCH"), nil }
func (*every) RenderHEAD(r *request.Request) ([]byte, error) {
	r.SetResponseCode(http.StatusNonAuthoritativeInfo)
	return []byte("HEAD"), nil
}

// nothing renders no method at all.
type nothing struct{ resource.Base }

// options renders OPTIONS itself.
type options struct{ resource.Base }

func (*options) RenderOPTIONS(r *request.Request) ([]byte, error) {
	r.SetHeader("Allow", "GET")
	return []byte("custom options"), nil
}

func TestMethods(t *testing.T) {
	root := resource.New()
	root.PutChild("getput", &getPut{})
	root.PutChild("heh", &heh{})
	root.PutChild("nothing", &nothing{})
	root.PutChild("options", &options{})
	root.PutChild("every", &every{})
	_, srv := testutil.Serve(t, root)
	tests := []struct {
		method, path string
		code         int
		allow        string // expected Allow header ("" = none)
		body         string // expected body, or a substring when it starts with "~"
	}{
		{"GET", "/getput", 200, "", "got"},
		{"PUT", "/getput", 200, "", "put"},
		{"HEAD", "/getput", 200, "", ""},
		{"POST", "/getput", 405, "GET, HEAD, PUT, OPTIONS", `~with the method "POST".  I only allow the methods GET, HEAD, PUT, OPTIONS here.`},
		{"DELETE", "/getput", 405, "GET, HEAD, PUT, OPTIONS", "~<title>405 - Method Not Allowed</title>"},
		{"PATCH", "/getput", 405, "GET, HEAD, PUT, OPTIONS", ""},
		{"CONNECT", "/getput", 405, "GET, HEAD, PUT, OPTIONS", ""},
		{"TRACE", "/getput", 405, "GET, HEAD, PUT, OPTIONS", ""},
		{"OPTIONS", "/getput", 200, "GET, HEAD, PUT, OPTIONS", ""},
		{"FOO", "/getput", 501, "", "~<title>501 - Huh?</title>"},
		{"get", "/getput", 501, "", "~I don't know how to treat a get request."},
		{"HEH", "/heh", 200, "", "extra HEH"},
		{"BREW", "/heh", 200, "", "extra BREW"},
		{"POST", "/heh", 405, "GET, HEAD, OPTIONS, BREW, HEH", ""},
		{"OPTIONS", "/heh", 200, "GET, HEAD, OPTIONS, BREW, HEH", ""},
		{"GET", "/nothing", 405, "OPTIONS", `~I only allow the method OPTIONS here.`},
		{"HEAD", "/nothing", 405, "OPTIONS", ""}, // Twisted: 500; a client error is not a server error
		{"OPTIONS", "/options", 200, "GET", "custom options"},
		{"GET", "/every", 200, "", "GET"},
		{"HEAD", "/every", 203, "", ""},
		{"POST", "/every", 200, "", "POST"},
		{"PUT", "/every", 200, "", "PUT"},
		{"DELETE", "/every", 200, "", "DELETE"},
		{"PATCH", "/every", 200, "", "PATCH"},
		{"OPTIONS", "/every", 200, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH", ""},
		{"TRACE", "/every", 405, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := testutil.Do(t, srv, tt.method, tt.path, nil)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tt.code, body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if sub, ok := strings.CutPrefix(tt.body, "~"); ok {
				if !strings.Contains(body, sub) {
					t.Errorf("body %q does not contain %q", body, sub)
				}
			} else if tt.body != "" || tt.method == "HEAD" {
				if body != tt.body {
					t.Errorf("body %q, want %q", body, tt.body)
				}
			}
		})
	}
}

func TestHEADKeepsContentLength(t *testing.T) {
	root := resource.New()
	root.PutChild("x", testutil.Page("hello"))
	_, srv := testutil.Serve(t, root)
	resp, body := testutil.Do(t, srv, "HEAD", "/x", nil)
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 5 || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("HEAD: %d %q length %d type %q", resp.StatusCode, body, resp.ContentLength, resp.Header.Get("Content-Type"))
	}
}

func TestAutomaticOPTIONSIsEmpty(t *testing.T) {
	root := resource.New()
	root.PutChild("x", testutil.Page("hello"))
	_, srv := testutil.Serve(t, root)
	resp, body := testutil.Do(t, srv, "OPTIONS", "/x", nil)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != "0" || resp.Header.Get("Content-Type") != "" {
		t.Errorf("OPTIONS: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestMethodPagesEscape(t *testing.T) {
	root := resource.New()
	root.PutChild("x", testutil.Page("hello"))
	_, srv := testutil.Serve(t, root)
	out := testutil.Raw(t, srv, "POST /x?<script>alert(1)</script> HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	resp, body := testutil.ParseResponse(t, out, "POST")
	if resp.StatusCode != http.StatusMethodNotAllowed || strings.Contains(body, "<script>") ||
		!strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("405 page did not escape the URI: %q", body)
	}
	out = testutil.Raw(t, srv, "<style> /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 400 ") {
		t.Errorf("a malformed method token is net/http's 400: %q", out)
	}
	out = testutil.Raw(t, srv, "ST<Y>LE /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 400 ") {
		t.Errorf("a malformed method token is net/http's 400: %q", out)
	}
}
