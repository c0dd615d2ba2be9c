package web_test

// The examples of what a Site serves besides resources: access logs, a
// mounted net/http handler, HTTP authentication and templates.

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

func testAccessLogging(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{"a.txt": "hello\n"})
	logFile := filepath.Join(t.TempDir(), "access.log")
	e := start(t, bin, "access-logging", "-path", dir, "-log", logFile)
	resp, body := e.do(t, nil, http.MethodGet, "/a.txt", http.Header{
		"X-Forwarded-For": {"10.9.8.7, 1.1.1.1"},
		"Referer":         {"http://example.com/"},
		"User-Agent":      {"tutorial \"test\""},
	}, nil)
	expect(t, "GET /a.txt", resp, body, http.StatusOK, "hello")
	resp, body = e.get(t, "/missing?x=1")
	expect(t, "GET /missing", resp, body, http.StatusNotFound)

	const stamp = `\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]`
	want := []*regexp.Regexp{
		regexp.MustCompile(`^"10\.9\.8\.7" - - ` + stamp + ` "GET /a\.txt HTTP/1\.1" 200 6 "http://example\.com/" "tutorial \\"test\\""$`),
		regexp.MustCompile(`^"-" - - ` + stamp + ` "GET /missing\?x=1 HTTP/1\.1" 404 \d+ "-" "Go-http-client/1\.1"$`),
	}
	var lines []string
	testutil.Eventually(t, "two lines in the access log", func() bool {
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		return len(lines) >= 2
	})
	if len(lines) != 2 {
		t.Fatalf("access log: %q, want two lines", lines)
	}
	// The two lines may be written in either order.
	for _, re := range want {
		if !re.MatchString(lines[0]) && !re.MatchString(lines[1]) {
			t.Errorf("access log %q has no line matching %s", lines, re)
		}
	}
}

func testWSGI(t *testing.T, bin string) {
	e := start(t, bin, "wsgi")
	for _, path := range []string{"/", "/x/y", "/a%2Fb/?q=1"} {
		resp, body := e.get(t, path)
		expect(t, "GET "+path, resp, body, http.StatusOK)
		if body != "Hello, world!" {
			t.Errorf("GET %s: body %q", path, body)
		}
		expectHeader(t, "GET "+path, resp, "Content-Type", "text/plain")
	}
	resp, body := e.do(t, nil, http.MethodPost, "/post", nil, strings.NewReader("x"))
	expect(t, "POST /post", resp, body, http.StatusOK, "Hello, world!")
}

func testHTTPAuth(t *testing.T, bin string) {
	dir := writeFiles(t, map[string]string{
		"alice/diary.txt": "Alice was here.\n",
		"bob/plans.txt":   "Build it.\n",
		"httpd.password":  "alice:wonderland\nbob:builder\ncarol:no-home\n",
	})
	// By default only Digest is offered, as in the tutorial.
	e := start(t, bin, "http-auth", "-path", dir, "-passwd", filepath.Join(dir, "httpd.password"))
	resp, body := e.get(t, "/")
	expect(t, "GET / without credentials", resp, body, http.StatusUnauthorized)
	if body != "Unauthorized" {
		t.Errorf("GET / without credentials: body %q", body)
	}
	challenges := resp.Header.Values("Www-Authenticate")
	all := strings.Join(challenges, "\n")
	for _, want := range []string{`Digest realm="localhost:8880"`, "algorithm=SHA-256", "algorithm=MD5"} {
		if !strings.Contains(all, want) {
			t.Errorf("GET / without credentials: challenges %q lack %q", all, want)
		}
	}
	if strings.Contains(all, "Basic") {
		t.Errorf("Basic offered over plain HTTP without -basic: %q", all)
	}

	// -basic adds Basic, an explicit choice (for TLS, or a trusted network).
	e = start(t, bin, "http-auth", "-basic", "-path", dir, "-passwd", filepath.Join(dir, "httpd.password"))
	basic := func(user, pass string) http.Header {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header
	}
	resp, _ = e.get(t, "/")
	if all := strings.Join(resp.Header.Values("Www-Authenticate"), "\n"); !strings.Contains(all, `Basic realm="localhost:8880"`) {
		t.Errorf("-basic: challenges %q lack Basic", all)
	}

	resp, body = e.do(t, nil, http.MethodGet, "/diary.txt", basic("alice", "wonderland"), nil)
	expect(t, "alice: GET /diary.txt", resp, body, http.StatusOK, "Alice was here.")
	resp, body = e.do(t, nil, http.MethodGet, "/", basic("alice", "wonderland"), nil)
	expect(t, "alice: GET /", resp, body, http.StatusOK, "Directory listing for /", `href="diary.txt"`)
	resp, body = e.do(t, nil, http.MethodGet, "/diary.txt", basic("bob", "builder"), nil)
	expect(t, "bob: GET /diary.txt", resp, body, http.StatusNotFound, "File not found.")
	resp, body = e.do(t, nil, http.MethodGet, "/plans.txt", basic("bob", "builder"), nil)
	expect(t, "bob: GET /plans.txt", resp, body, http.StatusOK, "Build it.")

	resp, body = e.do(t, nil, http.MethodGet, "/", basic("carol", "no-home"), nil)
	expect(t, "carol, who has no directory: GET /", resp, body, http.StatusNotFound, "File not found.")

	for _, bad := range [][2]string{{"alice", "builder"}, {"carol", "wonderland"}, {"dave", "no-home"}, {"", ""}} {
		resp, body = e.do(t, nil, http.MethodGet, "/diary.txt", basic(bad[0], bad[1]), nil)
		expect(t, fmt.Sprintf("%q with password %q", bad[0], bad[1]), resp, body, http.StatusUnauthorized, "Unauthorized")
	}

	// Digest: answer the challenge of a refused request.
	resp, _ = e.get(t, "/diary.txt")
	auth := digestAuth(t, resp, "alice", "wonderland", http.MethodGet, "/diary.txt")
	resp, body = e.do(t, nil, http.MethodGet, "/diary.txt", http.Header{"Authorization": {auth}}, nil)
	expect(t, "alice with Digest: GET /diary.txt", resp, body, http.StatusOK, "Alice was here.")
	resp, _ = e.get(t, "/diary.txt")
	auth = digestAuth(t, resp, "alice", "wrong", http.MethodGet, "/diary.txt")
	resp, body = e.do(t, nil, http.MethodGet, "/diary.txt", http.Header{"Authorization": {auth}}, nil)
	expect(t, "alice with a wrong Digest: GET /diary.txt", resp, body, http.StatusUnauthorized)
}

var challengeParam = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]*))`)

// digestAuth returns the Authorization header that answers the MD5 Digest
// challenge of a 401 response (RFC 7616, qop=auth).
func digestAuth(t *testing.T, refused *http.Response, user, pass, method, uri string) string {
	t.Helper()
	for _, ch := range refused.Header.Values("Www-Authenticate") {
		if !strings.HasPrefix(ch, "Digest ") || !strings.Contains(ch, "algorithm=MD5") {
			continue
		}
		p := make(map[string]string)
		for _, m := range challengeParam.FindAllStringSubmatch(ch, -1) {
			p[m[1]] = m[2] + m[3]
		}
		h := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }
		const nc, cnonce = "00000001", "0a4f113b"
		response := h(h(user+":"+p["realm"]+":"+pass) + ":" + p["nonce"] + ":" + nc + ":" + cnonce + ":auth:" + h(method+":"+uri))
		return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s", response="%s", opaque="%s"`,
			user, p["realm"], p["nonce"], uri, nc, cnonce, response, p["opaque"])
	}
	t.Fatalf("no MD5 Digest challenge in %q", refused.Header.Values("Www-Authenticate"))
	return ""
}

func testResourceTemplates(t *testing.T, bin string) {
	e := start(t, bin, "resource-templates")
	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "<p>Hello, world!</p>", `href="/?name=world"`, `const name = "world";`)
	expectHeader(t, "GET /", resp, "Content-Type", "text/html; charset=utf-8")
	m := regexp.MustCompile(`<p>It is (.*)\.</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Errorf("GET /: no time in %q", body)
	} else if tm, err := time.ParseInLocation(time.ANSIC, m[1], time.Local); err != nil || time.Since(tm).Abs() > time.Hour {
		t.Errorf("GET /: time %q is not the time of the request (%v)", m[1], err)
	}

	name := `<script>alert('hi')</script> & "you"`
	resp, body = e.get(t, "/?name="+url.QueryEscape(name))
	expect(t, "GET /?name=...", resp, body, http.StatusOK,
		"<p>Hello, &lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; &#34;you&#34;!</p>",
		`href="/?name=%3cscript%3ealert%28%27hi%27%29%3c%2fscript%3e%20%26%20%22you%22"`,
		`const name = "\u003cscript\u003ealert('hi')\u003c/script\u003e \u0026 \"you\"";`)
	if strings.Contains(body, "<script>alert") {
		t.Errorf("GET /?name=...: the name reached the page unescaped: %q", body)
	}
	resp, body = e.get(t, "/other")
	expect(t, "GET /other", resp, body, http.StatusNotFound)
}
