package web_test

// End-to-end tests of the "web in 60 seconds" examples: each example is
// built once, started as a real process on a free port, and checked over
// real HTTP against what its tutorial shows.

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Time limits. They are generous: the tests poll and stop as soon as what
// they wait for happens, so a slow machine only makes them slower.
const (
	startTimeout   = 20 * time.Second // until "listening on"
	stopTimeout    = 15 * time.Second // from SIGINT to exit
	requestTimeout = 15 * time.Second
	pollTimeout    = 10 * time.Second
	pollInterval   = 10 * time.Millisecond
)

// examples lists the examples in the tutorial's order; docs/README.md lists
// their pages in the same order.
var examples = []string{
	"static-content",
	"dynamic-content",
	"static-dispatch",
	"dynamic-dispatch",
	"error-handling",
	"custom-codes",
	"handling-posts",
	"other-request-bodies",
	"rpy-scripts",
	"asynchronous",
	"asynchronous-deferred",
	"interrupted",
	"logging-errors",
	"access-logging",
	"wsgi",
	"http-auth",
	"session-basics",
	"session-store",
	"session-endings",
	"resource-templates",
	"websocket",
	"websocket-chat",
}

// moreExamples lists the examples beyond the tutorial's: each has a test in
// exampleTests and a page of its own in docs/, not one in docs/web-in-60.
var moreExamples = []string{"xmlrpc", "porting"}

// exampleTests checks each example's observable behaviour.
var exampleTests = map[string]func(t *testing.T, bin string){
	"static-content":        testStaticContent,
	"dynamic-content":       testDynamicContent,
	"static-dispatch":       testStaticDispatch,
	"dynamic-dispatch":      testDynamicDispatch,
	"error-handling":        testErrorHandling,
	"custom-codes":          testCustomCodes,
	"handling-posts":        testHandlingPosts,
	"other-request-bodies":  testOtherRequestBodies,
	"rpy-scripts":           testRPYScripts,
	"asynchronous":          func(t *testing.T, bin string) { testAsynchronous(t, bin, "asynchronous") },
	"asynchronous-deferred": func(t *testing.T, bin string) { testAsynchronous(t, bin, "asynchronous-deferred") },
	"interrupted":           testInterrupted,
	"logging-errors":        testLoggingErrors,
	"access-logging":        testAccessLogging,
	"wsgi":                  testWSGI,
	"http-auth":             testHTTPAuth,
	"session-basics":        testSessionBasics,
	"session-store":         testSessionStore,
	"session-endings":       testSessionEndings,
	"resource-templates":    testResourceTemplates,
	"xmlrpc":                testXMLRPC,
	"websocket":             testWebSocket,
	"websocket-chat":        testWebSocketChat,
	"porting":               testPorting,
}

// TestExamples builds every example once, then runs each example's test in
// parallel; the binaries are removed when all of them are done.
func TestExamples(t *testing.T) {
	bin := t.TempDir()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the examples: %v", err)
	}
	build := exec.Command(gobin, "build", "-o", bin+string(filepath.Separator), "./examples/...")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/...: %v\n%s", err, out)
	}
	for _, slug := range slices.Concat(examples, moreExamples) {
		test, ok := exampleTests[slug]
		if !ok {
			continue
		}
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			test(t, bin)
		})
	}
}

// TestExamplesHaveTests makes sure every example directory is a known
// example with a test, so that none is added and forgotten.
func TestExamplesHaveTests(t *testing.T) {
	dirs, err := os.ReadDir("examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !slices.Contains(examples, d.Name()) && !slices.Contains(moreExamples, d.Name()) {
			t.Errorf("examples/%s is not one of the tutorial's examples", d.Name())
		} else if exampleTests[d.Name()] == nil {
			t.Errorf("examples/%s has no end-to-end test", d.Name())
		}
	}
	for slug := range exampleTests {
		if _, err := os.Stat(filepath.Join("examples", slug, "main.go")); err != nil {
			t.Errorf("test for %s but no example: %v", slug, err)
		}
	}
}

// TestDocsShowExamples checks that each page of docs/web-in-60 shows its
// example's program byte for byte, that each example stays short and
// carries its doc comment, and that docs/README.md lists the pages in the
// tutorial's order.
func TestDocsShowExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("docs", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, slug := range examples {
		src, err := os.ReadFile(filepath.Join("examples", slug, "main.go"))
		if err != nil {
			t.Errorf("example %s: %v", slug, err)
			continue
		}
		if n := bytes.Count(src, []byte("\n")); n > 80 {
			t.Errorf("examples/%s/main.go has %d lines; keep examples to 80", slug, n)
		}
		if !bytes.HasPrefix(src, []byte("// Command "+slug+" ")) {
			t.Errorf("examples/%s/main.go does not start with the doc comment %q", slug, "// Command "+slug+" ")
		}
		page := filepath.Join("docs", "web-in-60", slug+".md")
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Errorf("example %s has no page: %v", slug, err)
			continue
		}
		code, ok := goBlock(doc)
		if !ok {
			t.Errorf("%s has no ```go block", page)
		} else if code != string(src) {
			t.Errorf("%s shows a program that differs from examples/%s/main.go", page, slug)
		}
		link := "(web-in-60/" + slug + ".md)"
		i := strings.Index(string(readme), link)
		switch {
		case i < 0:
			t.Errorf("docs/README.md does not link %s", link)
		case i < last:
			t.Errorf("docs/README.md lists %s out of the tutorial's order", slug)
		default:
			last = i
		}
	}
}

// goBlock returns the contents of the first ```go block of a Markdown page.
func goBlock(doc []byte) (string, bool) { return fencedBlock(doc, "go") }

// fencedBlock returns the contents of the first ```lang block of a
// Markdown page.
func fencedBlock(doc []byte, lang string) (string, bool) {
	_, rest, ok := strings.Cut(string(doc), "\n```"+lang+"\n")
	if !ok {
		return "", false
	}
	code, _, ok := strings.Cut(rest, "\n```\n")
	return code + "\n", ok
}

// An example is one running example program.
type example struct {
	slug   string
	url    string // http://127.0.0.1:PORT, from its first line
	client *http.Client

	mu     sync.Mutex
	stdout []string // the lines after "listening on"
	stderr []string
}

// start runs the example slug with -addr 127.0.0.1:0 and args, in a fresh
// directory, and waits for its "listening on" line. The example is stopped
// with SIGINT when the test ends, and must then exit cleanly.
func start(t *testing.T, bin, slug string, args ...string) *example {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, slug), append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e := &example{slug: slug, client: newClient(nil)}
	listening := make(chan string, 1)
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		defer close(listening)
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			listening <- sc.Text()
		}
		for sc.Scan() {
			e.add(&e.stdout, sc.Text())
		}
	}()
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			e.add(&e.stderr, sc.Text())
		}
	}()
	t.Cleanup(func() { e.stop(t, cmd, &readers) })

	select {
	case line := <-listening:
		u, ok := strings.CutPrefix(line, "listening on ")
		if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("%s: first line of output is %q, want \"listening on http://127.0.0.1:PORT\"", slug, line)
		}
		e.url = u
	case <-time.After(startTimeout):
		t.Fatalf("%s printed no \"listening on\" line within %v", slug, startTimeout)
	}
	return e
}

func (e *example) add(lines *[]string, line string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*lines = append(*lines, line)
}

// Stdout returns what the example printed after "listening on", by line.
func (e *example) Stdout() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.stdout)
}

// Stderr returns what the example logged, by line.
func (e *example) Stderr() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.stderr)
}

// stop sends SIGINT and waits for a clean exit.
func (e *example) stop(t *testing.T, cmd *exec.Cmd, readers *sync.WaitGroup) {
	e.client.CloseIdleConnections()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Errorf("%s: SIGINT: %v", e.slug, err)
	}
	done := make(chan error, 1)
	go func() {
		readers.Wait() // Wait must not run before the pipes are drained
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s did not exit cleanly on SIGINT: %v\nstderr: %s", e.slug, err, strings.Join(e.Stderr(), "\n"))
		}
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("%s did not stop within %v of SIGINT", e.slug, stopTimeout)
	}
}

// newClient returns a client that does not follow redirects and keeps no
// idle connections, so that nothing outlives a test.
func newClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Jar:       jar,
		Timeout:   requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// newJar returns an empty cookie jar.
func newJar(t *testing.T) http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// do sends a request with the example's client and returns the response
// and its whole body. It may be called from any goroutine: it reports
// failures with t.Error and returns a nil response.
func (e *example) do(t *testing.T, c *http.Client, method, path string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = e.client
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return nil, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: reading the body: %v", method, path, err)
	}
	return resp, string(b)
}

// get sends GET path and fails the test if the response does not come.
func (e *example) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, body := e.do(t, nil, http.MethodGet, path, nil, nil)
	if resp == nil {
		t.FailNow()
	}
	return resp, body
}

// expect checks a response's status, and that its body contains each of
// the given strings.
func expect(t *testing.T, what string, resp *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if resp == nil {
		return
	}
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %q", what, resp.StatusCode, status, body)
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body %q does not contain %q", what, body, s)
		}
	}
}

// expectHeader checks one response header.
func expectHeader(t *testing.T, what string, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Errorf("%s: %s is %q, want %q", what, name, got, want)
	}
}

// eventually polls cond until it holds or pollTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, pollTimeout)
		}
		time.Sleep(pollInterval)
	}
}

// count returns the number of lines that contain s.
func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

const htmlHead = "<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body>"

// The 404 page of a missing child, as Twisted's (167 bytes).
const noSuchResource = "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n  <body>\n    <h1>No Such Resource</h1>\n    <p>Sorry. No luck finding that resource.</p>\n  </body>\n</html>\n"

// The page of a failed request, as Twisted's (95 bytes).
const processingFailed = "<html><head><title>Processing Failed</title></head><body><b>Processing Failed</b></body></html>"

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
	eventually(t, "two failures logged", func() bool { return count(e.Stderr(), "processing failed") == 2 })
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

// testAsynchronous checks asynchronous and asynchronous-deferred: the
// answer comes after the delay, streamed (chunked, no Content-Length), and
// visitors wait side by side, not one after another.
func testAsynchronous(t *testing.T, bin, slug string) {
	const delay = 300 * time.Millisecond
	e := start(t, bin, slug, "-delay", delay.String())
	const visitors = 4
	begin := time.Now()
	var wg sync.WaitGroup
	for range visitors {
		wg.Go(func() {
			resp, body := e.do(t, nil, http.MethodGet, "/", nil, nil)
			if resp == nil {
				return
			}
			if took := time.Since(begin); took < delay {
				t.Errorf("GET /: answered after %v, before the delay of %v", took, delay)
			}
			expect(t, "GET /", resp, body, http.StatusOK)
			if body != "<html><body>Sorry to keep you waiting.</body></html>" {
				t.Errorf("GET /: body %q", body)
			}
			expectHeader(t, "GET /", resp, "Content-Type", "text/html")
			if resp.ContentLength != -1 || !slices.Equal(resp.TransferEncoding, []string{"chunked"}) {
				t.Errorf("GET /: Content-Length %d, Transfer-Encoding %q; want a chunked stream",
					resp.ContentLength, resp.TransferEncoding)
			}
		})
	}
	wg.Wait()
	if took := time.Since(begin); took >= visitors*delay {
		t.Errorf("%d visitors took %v: they were served one after another", visitors, took)
	}
	resp, body := e.get(t, "/other")
	expect(t, "GET /other", resp, body, http.StatusNotFound)
}

// disconnect sends GET / and hangs up without waiting for the answer.
func (e *example) disconnect(t *testing.T) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), requestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: example\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
}

func testInterrupted(t *testing.T, bin string) {
	e := start(t, bin, "interrupted", "-delay", "300ms")
	e.disconnect(t)
	// A patient visitor, who came after, gets the whole answer; by then the
	// delay of the one who left is over too.
	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "Sorry to keep you waiting.")
	if errs := e.Stderr(); len(errs) > 0 {
		t.Errorf("interrupted logged %q; a visitor leaving is no error", errs)
	}
}

func testLoggingErrors(t *testing.T, bin string) {
	e := start(t, bin, "logging-errors", "-delay", "300ms")
	const msg = "Async response demo interrupted response"
	e.disconnect(t)
	eventually(t, "the interrupted response logged", func() bool { return count(e.Stderr(), msg) > 0 })
	resp, body := e.get(t, "/") // outlasts the delay of the one who left
	expect(t, "GET /", resp, body, http.StatusOK, "Sorry to keep you waiting.")
	if errs := e.Stderr(); len(errs) != 1 || count(errs, msg) != 1 || count(errs, "ERROR") != 1 {
		t.Errorf("logging-errors logged %q; want exactly one error line with %q", errs, msg)
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

// sessionCookie returns the TWISTED_SESSION cookie a response sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "TWISTED_SESSION" {
			return c
		}
	}
	return nil
}

func testSessionBasics(t *testing.T, bin string) {
	e := start(t, bin, "session-basics")
	c := newClient(newJar(t))
	defer c.CloseIdleConnections()
	const prefix = "Your session id is: "

	resp, body := e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "first GET /session", resp, body, http.StatusOK, prefix)
	if resp == nil {
		return
	}
	id := strings.TrimPrefix(body, prefix)
	ck := sessionCookie(resp)
	if ck == nil || ck.Value != id || ck.Path != "/" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("first GET /session: cookie %v, want TWISTED_SESSION=%s; Path=/; HttpOnly; SameSite=Lax", ck, id)
	}
	expectHeader(t, "first GET /session", resp, "Vary", "Cookie")
	expectHeader(t, "first GET /session", resp, "Cache-Control", "private")

	resp, body = e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "second GET /session", resp, body, http.StatusOK, prefix+id)
	if resp != nil && resp.Header["Set-Cookie"] != nil {
		t.Errorf("second GET /session set %q; the session was already known", resp.Header["Set-Cookie"])
	}

	resp, body = e.do(t, c, http.MethodGet, "/session/expire", nil, nil)
	expect(t, "GET /session/expire", resp, body, http.StatusOK)
	if body != "Your session has been expired." {
		t.Errorf("GET /session/expire: body %q", body)
	}
	if ck := sessionCookie(resp); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("GET /session/expire: cookie %v, want one that clears the session (Max-Age=0)", ck)
	}

	resp, body = e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "GET /session after expiry", resp, body, http.StatusOK, prefix)
	if newID := strings.TrimPrefix(body, prefix); newID == id || sessionCookie(resp) == nil {
		t.Errorf("GET /session after expiry: id %q (was %q), cookie %v; want a new session", newID, id, sessionCookie(resp))
	}
	resp, body = e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusNotFound)
}

func testSessionStore(t *testing.T, bin string) {
	e := start(t, bin, "session-store")
	visit := func(c *http.Client) int {
		resp, body := e.do(t, c, http.MethodGet, "/counter", nil, nil)
		if resp == nil {
			return -1
		}
		n, ok := strings.CutPrefix(body, htmlHead+"Visit #")
		n, ok2 := strings.CutSuffix(n, " for you!")
		v, err := strconv.Atoi(n)
		if resp.StatusCode != http.StatusOK || !ok || !ok2 || err != nil {
			t.Errorf("GET /counter: %s %q", resp.Status, body)
			return -1
		}
		return v
	}
	first := newClient(newJar(t))
	defer first.CloseIdleConnections()
	for want := 1; want <= 3; want++ {
		if got := visit(first); got != want {
			t.Errorf("visit %d of the first visitor counted %d", want, got)
		}
	}
	second := newClient(newJar(t))
	defer second.CloseIdleConnections()
	if got := visit(second); got != 1 {
		t.Errorf("the first visit of a second visitor counted %d, want 1", got)
	}

	// One visitor, many requests at once: no count is lost or repeated.
	busy := newClient(newJar(t))
	defer busy.CloseIdleConnections()
	if got := visit(busy); got != 1 {
		t.Fatalf("the first visit of a busy visitor counted %d, want 1", got)
	}
	const goroutines, each = 20, 5
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				n := visit(busy)
				mu.Lock()
				seen = append(seen, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seen)
	for i, n := range seen {
		if n != i+2 {
			t.Fatalf("concurrent visits counted %v, want 2 to %d once each", seen, goroutines*each+1)
		}
	}
	if got := visit(busy); got != goroutines*each+2 {
		t.Errorf("the visit after the concurrent ones counted %d, want %d", got, goroutines*each+2)
	}
}

func testSessionEndings(t *testing.T, bin string) {
	const timeout = time.Second
	e := start(t, bin, "session-endings", "-timeout", timeout.String())
	logme := func(c *http.Client) *http.Cookie {
		resp, body := e.do(t, c, http.MethodGet, "/logme", nil, nil)
		expect(t, "GET /logme", resp, body, http.StatusOK)
		if resp == nil {
			return nil
		}
		if body != "" {
			t.Errorf("GET /logme: body %q, want an empty page", body)
		}
		return sessionCookie(resp)
	}
	expired := func(uid string) string { return "Session " + uid + " has expired." }

	// A visitor who comes once and leaves.
	leaver := logme(newClient(nil))
	if leaver == nil {
		t.Fatal("GET /logme set no session cookie")
	}

	// A visitor who keeps coming, more often than the timeout, for longer
	// than it: the session stays.
	jar := newJar(t)
	stayer := newClient(jar)
	defer stayer.CloseIdleConnections()
	first := logme(stayer)
	if first == nil {
		t.Fatal("GET /logme set no session cookie")
	}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); {
		<-tick.C
		if ck := logme(stayer); ck != nil {
			t.Fatalf("a returning visitor got a new session cookie %v; the session did not slide", ck)
		}
	}
	if n := count(e.Stdout(), first.Value); n != 0 {
		t.Errorf("the session of a returning visitor expired: %q", e.Stdout())
	}
	eventually(t, "the session of a visitor who left expires", func() bool {
		return count(e.Stdout(), expired(leaver.Value)) > 0
	})

	// Once the visitor stops, its session ends after the timeout.
	eventually(t, "the session of a visitor who stopped expires", func() bool {
		return count(e.Stdout(), expired(first.Value)) > 0
	})
	out := e.Stdout()
	if len(out) != 2 || count(out, expired(leaver.Value)) != 1 || count(out, expired(first.Value)) != 1 {
		t.Errorf("session-endings printed %q; want one line per ended session", out)
	}
}

// writeFiles makes a directory holding files, by slash-separated path;
// a path ending in "/" is an empty directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

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
	eventually(t, "two lines in the access log", func() bool {
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
