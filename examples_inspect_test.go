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

// testInspect walks the inspect example's tree over HTTP, keeps a note in
// a session, and checks what the inspector shows of it: the tree, the
// steps of the requests, the session and its end. Then a browser looks.
func testInspect(t *testing.T, bin string) {
	files := writeFiles(t, map[string]string{"notes.txt": "a file", "pics/": ""})
	e := start(t, bin, "inspect", "-path", files, "-timeout", "2s", "-log")

	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "<a href='/_inspect/'>inspector</a>")
	resp, body = e.get(t, "/hello/world")
	expect(t, "GET /hello/world", resp, body, http.StatusOK, "Hello, world!")
	resp, body = e.get(t, "/files/notes.txt")
	expect(t, "GET /files/notes.txt", resp, body, http.StatusOK, "a file")
	resp, body = e.get(t, "/nope")
	expect(t, "GET /nope", resp, body, http.StatusNotFound)

	visitor := newClient(newJar(t))
	defer visitor.CloseIdleConnections()
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	resp, body = e.do(t, visitor, http.MethodPost, "/form", form, strings.NewReader("note=<b>milk</b>"))
	expect(t, "POST /form", resp, body, http.StatusFound)
	resp, body = e.do(t, visitor, http.MethodGet, "/form", nil, nil)
	expect(t, "GET /form", resp, body, http.StatusOK, "value='&lt;b&gt;milk&lt;/b&gt;'")
	uid := ""
	if u, err := url.Parse(e.url); err == nil {
		for _, c := range visitor.Jar.Cookies(u) {
			uid = c.Value
		}
	}
	if len(uid) != 36 {
		t.Fatalf("the form set no session cookie (%q)", uid)
	}

	resp, body = e.get(t, "/_inspect/part/tree")
	expect(t, "the tree", resp, body, http.StatusOK,
		`<code class="seg">&#34;files&#34;</code> <span class="path">/files</span> <code class="type">*static.File</code> <span class="kind">static directory</span>`,
		`<code class="seg">&#34;hello&#34;</code> <span class="path">/hello</span> <code class="type">*main.Hello</code> <span class="badge getchild">GetChild</span>`,
		`<code class="seg">&#34;form&#34;</code> <span class="path">/form</span> <code class="type">main.Form</code> <span class="badge leaf">leaf</span> <span class="allow">GET HEAD POST OPTIONS</span>`)
	if strings.Contains(body, "notes.txt") {
		t.Errorf("the tree lists the static directory's files")
	}
	resp, body = e.get(t, "/_inspect/part/requests")
	expect(t, "the requests", resp, body, http.StatusOK,
		`<code class="path">/hello/world</code>`,
		`<td><code>&#34;world&#34;</code></td><td>[&#34;hello&#34;, &#34;world&#34;]</td><td>[]</td><td><code>*static.Data</code></td><td>GetChild</td>`,
		`answered by RenderPOST of main.Form`)
	resp, body = e.get(t, "/_inspect/part/sessions")
	expect(t, "the sessions", resp, body, http.StatusOK, "<code>"+uid[:8]+"…</code>")
	if strings.Contains(body, uid) {
		t.Errorf("the sessions view shows a whole session id")
	}
	if n := count(e.Stderr(), "GET /hello/world → 200 OK"); n != 1 {
		t.Errorf("-log: %d blocks for GET /hello/world in %q", n, e.Stderr())
	}

	// The visitor goes; two seconds later the session ends, and its
	// callback runs.
	testutil.Eventually(t, "the session ends", func() bool {
		return count(e.Stderr(), "a session with a note has ended") == 1
	})
	_, body = e.get(t, "/_inspect/part/sessions")
	if sessionRow.MatchString(body) {
		t.Errorf("the session is still shown live after its end:\n%s", body)
	}
	ended := regexp.MustCompile(`<tr class="ending"><td><code>` + uid[:8] + `…</code></td><td>[0-9.]+m?s ago</td><td>timeout</td><td>main.Note</td><td>1</td></tr>`)
	if !ended.MatchString(body) {
		t.Errorf("the session's end is not among the recent endings:\n%s", body)
	}

	inspectInBrowser(t, bin, files)
}

// sessionRow matches a row of the live sessions in the DOM.
var sessionRow = regexp.MustCompile(`<tr><td><code>[0-9a-f]{8}…</code></td><td class="left" data-left-ms="\d+">[^<]*</td>`)

// inspectInBrowser starts the inspect example again, with its 20-second
// sessions, walks its tree and keeps a note, then loads the inspector's
// page in a headless Chromium and checks that the DOM its script leaves
// shows the tree and the session. Then it takes a screenshot, into the
// test's directory, or where INSPECT_SCREENSHOT says: docs/inspector.md
// shows the picture and says how to make it again.
func inspectInBrowser(t *testing.T, bin, files string) {
	e := start(t, bin, "inspect", "-path", files)
	visitor := newClient(newJar(t))
	defer visitor.CloseIdleConnections()
	for _, p := range []string{"/", "/files/", "/files/notes.txt", "/hello/world", "/nope/x"} {
		e.get(t, p)
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	e.do(t, visitor, http.MethodPost, "/form", form, strings.NewReader("note=milk"))
	e.do(t, visitor, http.MethodGet, "/form", nil, nil)
	u, _ := url.Parse(e.url)
	cookies := visitor.Jar.Cookies(u)
	if len(cookies) != 1 {
		t.Fatalf("the form set cookies %v", cookies)
	}
	uid := cookies[0].Value

	pageURL := e.url + "/_inspect/"
	dom := chromiumDOM(t, pageURL)
	for _, want := range []string{
		`<section id="tree" data-part="/_inspect/part/tree"`,
		`<span class="kind">static directory</span>`,
		`<code class="seg">"hello"</code>`,
		`<code>` + uid[:8] + `…</code>`,
		`<code class="path">/hello/world</code>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the inspector's page in Chromium has no %q:\n%s", want, dom)
		}
	}
	if !sessionRow.MatchString(dom) {
		t.Errorf("the inspector's page in Chromium has no session row:\n%s", dom)
	}
	shot := filepath.Join(t.TempDir(), "inspector.png")
	if p := os.Getenv("INSPECT_SCREENSHOT"); p != "" {
		shot, _ = filepath.Abs(p)
	}
	chromium(t, "--virtual-time-budget=3000", "--hide-scrollbars", "--window-size=1400,900", "--screenshot="+shot, pageURL)
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot of the inspector: %s", shot)
	}
}

// TestInspectorDocShowsExample: the lesson shows the example's program as
// it is.
func TestInspectorDocShowsExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("examples", "inspect", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("docs", "inspector.md"))
	if err != nil {
		t.Fatal(err)
	}
	if code, ok := goBlock(doc); !ok || code != string(src) {
		t.Errorf("docs/inspector.md shows a program that differs from examples/inspect/main.go")
	}
}
