package request_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// chunked hides a reader's length, so the client sends it chunked.
func chunked(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

func multipartBody(t *testing.T, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "file" {
			fw, err := mw.CreateFormFile("file", "f.txt")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(fw, fields[i+1])
			continue
		}
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func TestArgs(t *testing.T) {
	root := resource.New()
	root.PutChild("args", argsLeaf{})
	root.PutChild("content", contentLeaf{})
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.MaxRequestBodySize = 1024 })
	const form = "application/x-www-form-urlencoded"
	mp, mpType := multipartBody(t, "a", "first", "b", "x y", "a", "second", "file", "data")
	big := strings.Repeat("a=123456789&", 100)
	tests := []struct {
		name, method, path, ctype string
		body                      io.Reader
		code                      int
		want                      string
	}{
		{"query", "GET", "/args?x=1&x=2&y=", "", nil, 200, `{"x":["1","2"],"y":[""]}`},
		{"semicolon", "GET", "/args?a=1;b=2&a=3", "", nil, 200, `{"a":["1","3"],"b":["2"]}`},
		{"no equals dropped", "GET", "/args?flag&a=1", "", nil, 200, `{"a":["1"]}`},
		{"plus and percent", "GET", "/args?a+b=c+d%2B%26&e=%E2%98%83", "", nil, 200, `{"a b":["c d+\u0026"],"e":["☃"]}`},
		{"no query", "GET", "/args", "", nil, 200, `{}`},
		{"body replaces query", "POST", "/args?a=q1&a=q2&b=qb", form, strings.NewReader("a=body"), 200, `{"a":["body"],"b":["qb"]}`},
		{"form with charset", "POST", "/args", form + "; charset=utf-8", strings.NewReader("k=v+w&k=%21"), 200, `{"k":["v w","!"]}`},
		{"chunked form", "POST", "/args?q=1", form, chunked("a=1"), 200, `{"a":["1"],"q":["1"]}`},
		// The type decides, as Twisted's: parameters it cannot read do
		// not hide a form, nor give a multipart body a boundary.
		{"form type in capitals", "POST", "/args", "Application/X-WWW-Form-URLEncoded", strings.NewReader("a=1"), 200, `{"a":["1"]}`},
		{"form with a repeated parameter", "POST", "/args", form + "; charset=utf-8; charset=latin1", strings.NewReader("a=1"), 200, `{"a":["1"]}`},
		{"form with a broken parameter", "POST", "/args", form + "; charset", strings.NewReader("a=1"), 200, `{"a":["1"]}`},
		{"multipart with two boundaries", "POST", "/args?q=1", mpType + "; boundary=other", strings.NewReader(mp), 400, ""},
		{"multipart with a broken parameter", "POST", "/args?q=1", mpType + "; charset", strings.NewReader(mp), 400, ""},
		{"multipart last part wins", "POST", "/args?a=q&z=q", mpType, strings.NewReader(mp), 200, `{"a":["second"],"b":["x y"],"file":["data"],"z":["q"]}`},
		{"other type not parsed", "POST", "/args?q=1", "text/plain", strings.NewReader("a=1"), 200, `{"q":["1"]}`},
		{"PUT body not parsed", "PUT", "/args?q=1", form, strings.NewReader("a=1"), 200, `{"q":["1"]}`},
		{"malformed multipart", "POST", "/args", "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nbroken\r\n\r\n"), 400, ""},
		{"multipart without boundary", "POST", "/args", "multipart/form-data", strings.NewReader("x"), 400, ""},
		{"form too large", "POST", "/args", form, strings.NewReader(big), 413, ""},
		{"chunked form too large", "POST", "/args", form, chunked(big), 413, ""},
		{"content", "POST", "/content", form, strings.NewReader("the-field=x%26y"), 200, "the-field=x%26y"},
		{"content of PUT", "PUT", "/content", "", chunked("raw\x00bytes"), 200, "raw\x00bytes"},
		{"content too large", "PUT", "/content", "", strings.NewReader(big), 413, ""},
		{"chunked content too large", "PUT", "/content", "", chunked(big), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := testutil.NewRequest(t, tt.method, srv.URL+tt.path, tt.body)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, body := testutil.Send(t, srv.Client(), req)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %q", resp.StatusCode, tt.code, body)
			}
			if tt.code != 200 {
				// The framework's error page, not a leaked error message.
				title := fmt.Sprintf("<title>%d - %s</title>", tt.code, http.StatusText(tt.code))
				if !strings.Contains(body, title) || strings.Contains(body, "request:") {
					t.Errorf("error page: %q", body)
				}
				return
			}
			if body != tt.want {
				t.Errorf("body %s, want %s", body, tt.want)
			}
		})
	}
	// After the refusals the server keeps answering on the same client.
	if resp, body := testutil.Do(t, srv, "GET", "/args?ok=1", nil); resp.StatusCode != 200 || body != `{"ok":["1"]}` {
		t.Errorf("after refusals: %d %q", resp.StatusCode, body)
	}
}

// TestBrokenBodies sends bodies a client library would not: cut short, or
// wrongly chunked. Args reports them as 400, and the Site answers with its
// page.
func TestBrokenBodies(t *testing.T) {
	root := resource.New()
	root.PutChild("form", argsLeaf{})
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	const head = "POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	tests := []struct {
		name, request string
		halfClose     bool // close the sending side after the request
	}{
		{"truncated", head + "Content-Length: 100\r\n\r\na=1", true},
		{"bad chunking", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\na=1\r\n0\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out string
			if tt.halfClose {
				out = testutil.RawHalfClose(t, srv, tt.request)
			} else {
				out = testutil.Raw(t, srv, tt.request)
			}
			resp, body := testutil.ParseResponse(t, out, "POST")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<title>400 - Bad Request</title>") {
				t.Errorf("%d %q, want the 400 page", resp.StatusCode, body)
			}
		})
	}
}

// TestEmptyBodyOfUnknownLength sends POSTs whose chunked body turns out
// empty. Twisted parses a form only from a body it received bytes of, and
// a chunked body of none is the same empty body as "Content-Length: 0":
// both get the query's arguments, whatever form type they name.
func TestEmptyBodyOfUnknownLength(t *testing.T) {
	root := resource.New()
	root.PutChild("form", argsLeaf{})
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	for _, ctype := range []string{
		"multipart/form-data; boundary=xyz",
		"multipart/form-data",
		"application/x-www-form-urlencoded",
	} {
		for _, framing := range []string{"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "Content-Length: 0\r\n\r\n"} {
			t.Run(ctype+", "+strings.Fields(framing)[0], func(t *testing.T) {
				out := testutil.Raw(t, srv, "POST /form?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+
					"Content-Type: "+ctype+"\r\n"+framing)
				resp, body := testutil.ParseResponse(t, out, "POST")
				if resp.StatusCode != http.StatusOK || body != `{"q":["1"]}` {
					t.Errorf("%d %q, want 200 with the query's arguments", resp.StatusCode, body)
				}
			})
		}
	}
}
