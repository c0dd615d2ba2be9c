package web_test

// The examples of the first lessons: serving files, resources and trees,
// errors, status codes, request bodies and .rpy scripts.

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

func testStaticContent(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{"a.txt": "hello\n", "subdir/b.txt": "bee\n"})
	e := start(t, bin, "static-content", "-path", dir)

	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "Directory listing for /", `href="a.txt"`, `href="subdir/"`)
	expectHeader(t, "GET /", resp, "Content-Type", "text/html; charset=utf-8")

	resp, body = e.get(t, "/a.txt")
	expect(t, "GET /a.txt", resp, body, http.StatusOK)
	if body != "hello\n" {
		t.Errorf("GET /a.txt: body %q", body)
	}
	expectHeader(t, "GET /a.txt", resp, "Content-Type", "text/plain; charset=utf-8")
	expectHeader(t, "GET /a.txt", resp, "Content-Length", "6")
	expectHeader(t, "GET /a.txt", resp, "Accept-Ranges", "bytes")
	if _, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil {
		t.Errorf("GET /a.txt: Last-Modified %q: %v", resp.Header.Get("Last-Modified"), err)
	}
	resp, body = e.do(t, nil, http.MethodGet, "/a.txt", http.Header{"Range": {"bytes=1-3"}}, nil)
	expect(t, "GET /a.txt (range)", resp, body, http.StatusPartialContent, "ell")

	resp, body = e.get(t, "/subdir")
	expect(t, "GET /subdir", resp, body, http.StatusFound)
	expectHeader(t, "GET /subdir", resp, "Location", "/subdir/")
	resp, body = e.get(t, "/subdir/b.txt")
	expect(t, "GET /subdir/b.txt", resp, body, http.StatusOK, "bee")
	for _, path := range []string{"/missing", "/a.txt/", "/%2e%2e/%2e%2e/etc/passwd"} {
		resp, body = e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusNotFound, "File not found.")
	}
}

func testDynamicContent(t *testing.T, bin string) {
	e := start(t, bin, "dynamic-content")
	for _, path := range []string{"/", "/x/y", "/x/y/?q=1"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusOK, htmlHead)
		expectHeader(t, "GET "+path, resp, "Content-Type", "text/html")
		if _, err := time.Parse(time.ANSIC, strings.TrimPrefix(body, htmlHead)); err != nil {
			t.Errorf("GET %s: the page does not end with the time: %v", path, err)
		}
	}
	resp, body := e.do(t, nil, http.MethodHead, "/", nil, nil)
	expect(t, "HEAD /", resp, body, http.StatusOK)
	if resp != nil && (body != "" || resp.ContentLength != int64(len(htmlHead+time.ANSIC))) {
		t.Errorf("HEAD /: Content-Length %d and body %q, want %d and none", resp.ContentLength, body, len(htmlHead+time.ANSIC))
	}
	for _, m := range []string{http.MethodPost, http.MethodPut} {
		resp, body := e.do(t, nil, m, "/", nil, nil)
		expect(t, m+" /", resp, body, http.StatusMethodNotAllowed, "Method Not Allowed")
		if resp != nil {
			expectHeader(t, m+" /", resp, "Allow", "GET, HEAD, OPTIONS")
		}
	}
}

func testStaticDispatch(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{"foo/f.txt": "foo\n", "bar/": "", "baz/z.txt": "zed\n", "top.txt": "top\n"})
	e := start(t, bin, "static-dispatch", "-path", dir)
	for _, name := range []string{"foo", "bar", "baz"} {
		resp, body := e.get(t, "/"+name)
		expect(t, "GET /"+name, resp, body, http.StatusFound)
		expectHeader(t, "GET /"+name, resp, "Location", "/"+name+"/")
		resp, body = e.get(t, "/"+name+"/")
		expect(t, "GET /"+name+"/", resp, body, http.StatusOK, "Directory listing for /"+name+"/")
	}
	resp, body := e.get(t, "/foo/f.txt")
	expect(t, "GET /foo/f.txt", resp, body, http.StatusOK, "foo")
	resp, body = e.get(t, "/baz/z.txt")
	expect(t, "GET /baz/z.txt", resp, body, http.StatusOK, "zed")
	for _, path := range []string{"/", "/top.txt", "/qux"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusNotFound)
		if body != noSuchResource {
			t.Errorf("GET %s: body %q, want the 404 page", path, body)
		}
	}
}

func testDynamicDispatch(t *testing.T, bin string) {
	e := start(t, bin, "dynamic-dispatch")
	resp, body := e.get(t, "/2009")
	expect(t, "GET /2009", resp, body, http.StatusOK, htmlHead+"<pre>"+strings.Repeat(" ", 34)+"2009\n\n      January",
		"Mo Tu We Th Fr Sa Su      Mo Tu We Th Fr Sa Su      Mo Tu We Th Fr Sa Su\n          1  2  3  4                         1                         1\n",
		"28 29 30 31\n                          30\n</pre>")
	for _, path := range []string{"/abc", "/"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusInternalServerError)
		if body != processingFailed {
			t.Errorf("GET %s: body %q, want %q", path, body, processingFailed)
		}
	}
	resp, body = e.get(t, "/2009/")
	expect(t, "GET /2009/", resp, body, http.StatusNotFound)
	if body != noSuchResource {
		t.Errorf("GET /2009/: body %q, want the 404 page", body)
	}
	testutil.Eventually(t, "two failures logged", func() bool { return count(e.Stderr(), "processing failed") == 2 })
}

func testErrorHandling(t *testing.T, bin string) {
	e := start(t, bin, "error-handling")
	resp, body := e.get(t, "/2009")
	expect(t, "GET /2009", resp, body, http.StatusOK, "<pre>", "December")
	for _, path := range []string{"/abc", "/", "/2009/"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusNotFound)
		if body != noSuchResource {
			t.Errorf("GET %s: body %q, want the 404 page", path, body)
		}
	}
	if errs := e.Stderr(); len(errs) > 0 {
		t.Errorf("error-handling logged %q; a 404 is not a failure", errs)
	}
}

func testCustomCodes(t *testing.T, bin string) {
	e := start(t, bin, "custom-codes")
	resp, body := e.get(t, "/buy")
	expect(t, "GET /buy", resp, body, http.StatusPaymentRequired)
	if body != "<html><body>Please swipe your credit card.</body></html>" {
		t.Errorf("GET /buy: body %q", body)
	}
	if resp.Status != "402 Payment Required" {
		t.Errorf("GET /buy: status line %q", resp.Status)
	}
	expectHeader(t, "GET /buy", resp, "Content-Type", "text/html")
	resp, body = e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusNotFound, "No Such Resource")
}

func testHandlingPosts(t *testing.T, bin string) {
	e := start(t, bin, "handling-posts")
	resp, body := e.get(t, "/form")
	expect(t, "GET /form", resp, body, http.StatusOK)
	if want := htmlHead + "<form method='POST'><input name='the-field'></form>"; body != want {
		t.Errorf("GET /form: body %q, want %q", body, want)
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, body = e.do(t, nil, http.MethodPost, "/form", form, strings.NewReader("the-field=a%3Cb+%26+c"))
	expect(t, "POST /form", resp, body, http.StatusOK)
	if want := htmlHead + "You submitted: a&lt;b &amp; c"; body != want {
		t.Errorf("POST /form: body %q, want %q", body, want)
	}

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("the-field", "<multi>")
	_ = w.Close()
	resp, body = e.do(t, nil, http.MethodPost, "/form", http.Header{"Content-Type": {w.FormDataContentType()}}, &mp)
	expect(t, "POST /form (multipart)", resp, body, http.StatusOK, "You submitted: &lt;multi&gt;")

	resp, body = e.do(t, nil, http.MethodPost, "/form", form, strings.NewReader("other=1"))
	expect(t, "POST /form without the-field", resp, body, http.StatusInternalServerError, "Processing Failed")
	resp, body = e.get(t, "/form/")
	expect(t, "GET /form/", resp, body, http.StatusNotFound)
}

func testOtherRequestBodies(t *testing.T, bin string) {
	e := start(t, bin, "other-request-bodies")
	resp, body := e.get(t, "/form")
	expect(t, "GET /form", resp, body, http.StatusOK, "<form method='POST'>")
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, body = e.do(t, nil, http.MethodPost, "/form", form, strings.NewReader("the-field=x%26y"))
	if want := htmlHead + "You submitted: the-field=x%26y"; resp != nil && body != want {
		t.Errorf("POST /form: body %q, want %q", body, want)
	}
	expect(t, "POST /form", resp, body, http.StatusOK)
	js := http.Header{"Content-Type": {"application/json"}}
	resp, body = e.do(t, nil, http.MethodPost, "/form", js, strings.NewReader(`{"a": "<b>"}`))
	expect(t, "POST /form (JSON)", resp, body, http.StatusOK, "You submitted: {&#34;a&#34;: &#34;&lt;b&gt;&#34;}")
	resp, body = e.do(t, nil, http.MethodPut, "/form", js, strings.NewReader("{}"))
	expect(t, "PUT /form", resp, body, http.StatusMethodNotAllowed)
	if resp != nil {
		expectHeader(t, "PUT /form", resp, "Allow", "GET, HEAD, POST, OPTIONS")
	}
}

func testRPYScripts(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{"a.txt": "hello\n", "sub/b.txt": "bee\n"})
	e := start(t, bin, "rpy-scripts", "-path", dir)
	for _, path := range []string{"/example.rpy", "/example.rpy/more"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusOK, htmlHead)
		if _, err := time.Parse(time.ANSIC, strings.TrimPrefix(body, htmlHead)); err != nil {
			t.Errorf("GET %s: the page does not end with the time: %v", path, err)
		}
	}
	resp, body := e.get(t, "/a.txt")
	expect(t, "GET /a.txt", resp, body, http.StatusOK, "hello")
	resp, body = e.get(t, "/sub/b.txt")
	expect(t, "GET /sub/b.txt", resp, body, http.StatusOK, "bee")
	resp, body = e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "Directory listing for /", `href="a.txt"`)
	resp, body = e.get(t, "/other.rpy")
	expect(t, "GET /other.rpy", resp, body, http.StatusNotFound, "File not found.")
}
