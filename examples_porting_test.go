package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
)

// testPorting checks the guestbook of docs/porting.md, the Go port.
func testPorting(t *testing.T, bin string) {
	static, err := filepath.Abs(filepath.Join("examples", "porting", "static"))
	if err != nil {
		t.Fatal(err)
	}
	checkGuestbook(t, start(t, bin, "porting", "-static", static))
}

// TestPortingTwisted runs the checks of the Go port against the Twisted
// original, examples/porting/guestbook.py: both behave alike.
func TestPortingTwisted(t *testing.T) {
	py := testutil.Python(t, "twisted.web.xmlrpc", "python3-twisted")
	script, err := filepath.Abs(filepath.Join("examples", "porting", "guestbook.py"))
	if err != nil {
		t.Fatal(err)
	}
	// start runs a program of a directory by name: make one that runs it.
	dir := t.TempDir()
	run := "#!/bin/sh\nexec '" + py + "' '" + script + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "guestbook"), []byte(run), 0o755); err != nil {
		t.Fatal(err)
	}
	checkGuestbook(t, start(t, dir, "guestbook"))
}

// checkGuestbook uses a running guestbook as a visitor and an XML-RPC
// client would.
func checkGuestbook(t *testing.T, e *example) {
	visitor := newClient(newJar(t))
	resp, body := e.do(t, visitor, http.MethodGet, "/", nil, nil)
	expect(t, "GET /", resp, body, http.StatusOK, "<h1>Guestbook</h1>", "<ul></ul>", "href='/static/style.css'")
	m := regexp.MustCompile(`name='token' value='([^']+)'`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET /: no form token in %q", body)
	}
	token := m[1]

	resp, body = e.get(t, "/static/style.css")
	expect(t, "GET /static/style.css", resp, body, http.StatusOK, "font-family")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("GET /static/style.css: Content-Type %q", ct)
	}
	resp, body = e.get(t, "/nowhere")
	expect(t, "GET /nowhere", resp, body, http.StatusNotFound)

	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	sign := func(c *http.Client, v url.Values) (*http.Response, string) {
		return e.do(t, c, http.MethodPost, "/sign", form, strings.NewReader(v.Encode()))
	}
	resp, body = sign(visitor, url.Values{"token": {token}, "name": {"Ada"}, "message": {"<b>hi</b> & bye"}})
	expect(t, "signing", resp, body, http.StatusFound)
	expectHeader(t, "signing", resp, "Location", e.url+"/")
	for _, tc := range []struct {
		what   string
		c      *http.Client
		form   url.Values
		status int
	}{
		{"a wrong token", visitor, url.Values{"token": {"forged"}, "name": {"Eve"}}, http.StatusForbidden},
		{"another session", newClient(nil), url.Values{"token": {token}, "name": {"Eve"}}, http.StatusForbidden},
		{"no name", visitor, url.Values{"token": {token}, "name": {" "}, "message": {"Eve"}}, http.StatusBadRequest},
	} {
		resp, body := sign(tc.c, tc.form)
		expect(t, "signing with "+tc.what, resp, body, tc.status)
	}
	resp, body = e.do(t, visitor, http.MethodGet, "/", nil, nil)
	expect(t, "GET / after signing", resp, body, http.StatusOK, "<li><b>Ada</b>: &lt;b&gt;hi&lt;/b&gt; &amp; bye</li>")
	if strings.Contains(body, "Eve") {
		t.Errorf("a refused form was signed: %q", body)
	}

	xml := http.Header{"Content-Type": {"text/xml"}}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{xmlrpcCall("sign", "<string>Grace</string>", "<string>hello</string>"), []string{"<int>2</int>"}},
		{xmlrpcCall("sign", "<string> </string>", "<string>hello</string>"), []string{"<name>faultCode</name>", "<int>1</int>", "a name is needed"}},
		{xmlrpcCall("entries"), []string{"<name>name</name>", "<string>Ada</string>", "<string>&lt;b&gt;hi&lt;/b&gt; &amp; bye</string>", "<string>Grace</string>"}},
	} {
		resp, body := e.do(t, nil, http.MethodPost, "/RPC2", xml, strings.NewReader(tc.body))
		expect(t, tc.body, resp, body, http.StatusOK, tc.want...)
	}
}

// TestPortingPage checks that docs/porting.md shows both programs byte for
// byte: the first python block is guestbook.py, the first go block main.go.
func TestPortingPage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "porting.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ lang, file string }{{"python", "guestbook.py"}, {"go", "main.go"}} {
		src, err := os.ReadFile(filepath.Join("examples", "porting", p.file))
		if err != nil {
			t.Fatal(err)
		}
		code, ok := fencedBlock(doc, p.lang)
		if !ok {
			t.Errorf("docs/porting.md has no ```%s block", p.lang)
		} else if code != string(src) {
			t.Errorf("docs/porting.md's first ```%s block differs from examples/porting/%s", p.lang, p.file)
		}
	}
}
