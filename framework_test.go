package web_test

// End-to-end tests of the "web in 60 seconds" examples: each example is
// built once, started as a real process on a free port, and checked over
// real HTTP against what its tutorial shows. This file holds the harness;
// each group of lessons has its checks in an examples_*_test.go file.

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
var moreExamples = []string{"xmlrpc", "porting", "inspect"}

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
	"inspect":               testInspect,
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
