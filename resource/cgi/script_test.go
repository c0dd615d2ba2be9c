//go:build unix

package cgi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/site"
)

func TestResponses(t *testing.T) {
	tests := []struct {
		name   string
		method string
		output string // what the script prints, with printf escapes
		code   int
		header map[string][]string // nil: must be absent
		body   string
	}{
		{"plain", "GET", `Content-Type: text/plain\n\nhello\n`, 200,
			map[string][]string{"Content-Type": {"text/plain"}}, "hello\n"},
		{"crlf", "GET", `Content-Type: text/plain\r\nX-A:1\r\n\r\nhello`, 200,
			map[string][]string{"Content-Type": {"text/plain"}, "X-A": {"1"}}, "hello"},
		{"status and fields", "GET",
			`Status: 201 Made it\nX-A: 1\nx-a: 2\nSet-Cookie: a=1\nSet-Cookie: b=2; Path=/\nServer: monkeys\nDate: last year\nConnection: keep-alive\nContent-Type: text/x-mine\n\nmade`,
			201, map[string][]string{"X-A": {"1", "2"}, "Set-Cookie": {"a=1", "b=2; Path=/"},
				"Server": nil, "Content-Type": {"text/x-mine"}}, "made"},
		{"no content type", "GET", `X-A: 1\n\n<p>looks like html</p>`, 200,
			map[string][]string{"Content-Type": nil}, "<p>looks like html</p>"},
		{"empty header block", "GET", `\nbody`, 200, map[string][]string{"Content-Type": nil}, "body"},
		{"not found", "GET", `Status: 404\nContent-Type: text/plain\n\nnot here`, 404, nil, "not here"},
		{"redirect", "GET", `Location: /elsewhere\n\n`, 302,
			map[string][]string{"Location": {"/elsewhere"}}, ""},
		{"absolute redirect", "GET", `Location: http://example.com/x\n\n`, 302,
			map[string][]string{"Location": {"http://example.com/x"}}, ""},
		{"redirect with status", "GET", `Location: /moved\nStatus: 301 Moved Permanently\n\n`, 301,
			map[string][]string{"Location": {"/moved"}}, ""},
		{"status then location", "GET", `Status: 303\nLocation: /other\n\n`, 303,
			map[string][]string{"Location": {"/other"}}, ""},
		{"no content", "GET", `Status: 204\n\ndropped`, 204, nil, ""},
		{"content length", "GET", `Content-Length: 5\nContent-Type: text/plain\n\nfive!`, 200,
			map[string][]string{"Content-Length": {"5"}}, "five!"},
		{"head", "HEAD", `Content-Type: text/plain\nX-A: 1\n\nbody of a head`, 200,
			map[string][]string{"X-A": {"1"}}, ""},
		{"long line", "GET", `X-Long: ` + strings.Repeat("x", 10000) + `\n\nok`, 200,
			map[string][]string{"X-Long": {strings.Repeat("x", 10000)}}, "ok"},
	}
	dir := t.TempDir()
	root := resource.New()
	for i, tt := range tests {
		name := fmt.Sprintf("s%d.cgi", i)
		root.PutChild(name, cgi.NewScript(writeScript(t, dir, name, sh(`printf '`+tt.output+`'`))))
	}
	srv := serve(t, root)
	for i, tt := range tests {
		req, _ := http.NewRequest(tt.method, fmt.Sprintf("%s/s%d.cgi", srv.URL, i), nil)
		got := srv.do(t, req)
		if got.code != tt.code || got.body != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.name, got.code, got.body, tt.code, tt.body)
		}
		for k, want := range tt.header {
			if v := got.header.Values(k); strings.Join(v, "|") != strings.Join(want, "|") {
				t.Errorf("%s: %s: %q, want %q", tt.name, k, v, want)
			}
		}
		if d := got.header.Get("Date"); d == "" || d == "last year" {
			t.Errorf("%s: Date %q", tt.name, d)
		}
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name   string
		script string
		code   int
		log    []string // in the log
	}{
		{"no colon", sh(`printf 'XYZ\n\ncgi output\n'`), 502, []string{"bad script response", "no colon"}},
		{"bad name", sh(`printf 'X A: 1\n\n'`), 502, []string{"not a token"}},
		{"control character", sh(`printf 'X-A: a\001b\n\n'`), 502, []string{"control character"}},
		{"continuation", sh(`printf 'X-A: a\n  b\n\n'`), 502, []string{"continuation"}},
		{"bad status", sh(`printf 'Status: abc\n\n'`), 502, []string{"Status"}},
		{"informational status", sh(`printf 'Status: 101 Switching Protocols\n\n'`), 502, []string{"between 200 and 599"}},
		{"two statuses", sh(`printf 'Status: 200\nStatus: 404\n\n'`), 502, []string{"second Status"}},
		{"bad length", sh(`printf 'Content-Length: -1\n\n'`), 502, []string{"Content-Length"}},
		{"no output", sh(`exit 0`), 502, []string{"premature end of script headers"}},
		{"exit 1", sh(`echo boom >&2`, `exit 1`), 502, []string{"premature end of script headers", `stderr="boom\n"`}},
		{"killed", sh(`printf 'Content-Type: text/plain\n'`, `kill -9 $$`), 502, []string{"premature end of script headers"}},
		{"unterminated", sh(`printf 'Content-Type: text/plain\nX-A: 1'`), 502, []string{"premature end of script headers"}},
		{"not executable", "", 500, []string{"starting", "permission denied"}},
	}
	dir := t.TempDir()
	root := resource.New()
	for i, tt := range tests {
		name := fmt.Sprintf("s%d.cgi", i)
		file := writeScript(t, dir, name, tt.script)
		if tt.script == "" {
			os.Chmod(file, 0o644)
		}
		root.PutChild(name, cgi.NewScript(file))
	}
	root.PutChild("missing.cgi", cgi.NewScript(filepath.Join(dir, "missing.cgi")))
	srv := serve(t, root)
	for i, tt := range tests {
		got := srv.get(t, fmt.Sprintf("/s%d.cgi", i))
		if got.code != tt.code {
			t.Errorf("%s: %d %q, want %d", tt.name, got.code, got.body, tt.code)
		}
		if tt.code == 502 && !strings.Contains(got.body, "<title>502 - Bad Gateway</title>") {
			t.Errorf("%s: page %q", tt.name, got.body)
		}
		if strings.Contains(got.body, "cgi output") {
			t.Errorf("%s: the script's body was sent: %q", tt.name, got.body)
		}
		for _, l := range tt.log {
			if !strings.Contains(srv.log.String(), l) {
				t.Errorf("%s: %q not in the log:\n%s", tt.name, l, srv.log)
			}
		}
	}
	if got := srv.get(t, "/missing.cgi"); got.code != 500 || !strings.Contains(got.body, "Processing Failed") {
		t.Errorf("missing script: %d %q", got.code, got.body)
	}
}

func TestFailureAfterOutput(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "late.cgi",
		sh(`printf 'Content-Type: text/plain\n\nall of it\n'`, `echo late trouble >&2`, `exit 3`))))
	got := srv.get(t, "/")
	if got.code != 200 || got.body != "all of it\n" {
		t.Errorf("got %d %q", got.code, got.body)
	}
	for _, l := range []string{"failed after its output", "exit status 3", "late trouble"} {
		if !strings.Contains(srv.log.String(), l) {
			t.Errorf("%q not in the log:\n%s", l, srv.log)
		}
	}
}

func TestStderrBounded(t *testing.T) {
	dir := t.TempDir()
	s := cgi.NewScript(writeScript(t, dir, "noisy.cgi", sh(
		`i=0; while [ $i -lt 2000 ]; do echo "line $i of noise" >&2; i=$((i+1)); done`,
		`echo LAST >&2`,
		`printf 'Content-Type: text/plain\n\nok'`)))
	s.MaxStderrBytes = 100
	quiet := cgi.NewScript(s.Filename())
	quiet.MaxStderrBytes = -1
	root := resource.New()
	root.PutChild("noisy", s)
	root.PutChild("quiet", quiet)
	srv := serve(t, root)
	if got := srv.get(t, "/noisy"); got.body != "ok" {
		t.Fatalf("got %d %q", got.code, got.body)
	}
	log := srv.log.String()
	if !strings.Contains(log, `LAST\n"`) || strings.Contains(log, "line 0 of noise") || !strings.Contains(log, "stderr_dropped=") {
		t.Errorf("the log does not hold the last 100 bytes alone:\n%s", log)
	}
	if len(log) > 1000 {
		t.Errorf("the log holds %d bytes", len(log))
	}
	n := len(log)
	if got := srv.get(t, "/quiet"); got.body != "ok" {
		t.Fatalf("got %d %q", got.code, got.body)
	}
	if log := srv.log.String(); len(log) != n {
		t.Errorf("stderr was logged: %s", log[n:])
	}
}

func TestRequestBody(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	root := resource.New()
	// Twisted's READINPUT_CGI reads CONTENT_LENGTH bytes; READALLINPUT_CGI
	// reads until the end of its input.
	root.PutChild("readinput", cgi.NewFilteredScript(writeScript(t, dir, "readinput.py", `
import os, sys
body = sys.stdin.buffer.read(int(os.environ.get("CONTENT_LENGTH", 0)))
print("Header: OK")
print("")
print("readinput", len(body), body[:16].decode())
`), py))
	root.PutChild("readall", cgi.NewFilteredScript(writeScript(t, dir, "readall.py", `
import sys
body = sys.stdin.buffer.read()
print("Header: OK")
print("")
print("readallinput", len(body), body[:16].decode())
`), py))
	root.PutChild("cat", cgi.NewScript(writeScript(t, dir, "cat.cgi", sh(`printf 'Content-Type: application/octet-stream\n\n'`, `exec cat`))))
	root.PutChild("ignore", cgi.NewScript(writeScript(t, dir, "ignore.cgi", sh(`printf 'Content-Type: text/plain\n\nignored'`))))
	srv := serve(t, root, func(s *site.Site) { s.MaxRequestBodySize = 4 << 20 })

	big := strings.Repeat("0123456789abcdef", 1<<18) // 4 MiB, far more than a pipe holds
	post := func(target, body string) response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+target, strings.NewReader(body))
		return srv.do(t, req)
	}
	tests := []struct{ target, body, want string }{
		{"/readinput", "Here is your stdin", "readinput 18 Here is your std\n"},
		{"/readall", "Here is your stdin", "readallinput 18 Here is your std\n"},
		{"/readinput", "", "readinput 0 \n"},
		{"/readall", big, fmt.Sprintf("readallinput %d 0123456789abcdef\n", len(big))},
		{"/cat", big, big},
		{"/ignore", big, "ignored"},
	}
	for _, tt := range tests {
		got := post(tt.target, tt.body)
		if got.code != 200 || got.body != tt.want {
			t.Errorf("POST %s (%d bytes): %d %.80q, want %.80q", tt.target, len(tt.body), got.code, got.body, tt.want)
		}
	}
	if got := post("/cat", big+"!"); got.code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d", got.code)
	}
}

func TestFilteredScript(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	file := writeScript(t, dir, "hello.py", `
import os, sys
print("Content-Type: text/plain")
print("")
print("python", os.path.basename(sys.argv[0]), sys.argv[1:], os.environ["SCRIPT_FILENAME"] == sys.argv[0], os.getcwd() == os.path.dirname(sys.argv[0]))
`)
	os.Chmod(file, 0o644) // an interpreter reads it: it need not be executable
	root := resource.New()
	root.PutChild("hello.py", cgi.NewFilteredScript(file, py))
	// The interpreter's own arguments go before the file name.
	root.PutChild("strict.sh", cgi.NewFilteredScript(writeScript(t, dir, "strict.sh", `
printf 'Content-Type: text/plain\n\n'
false
echo not reached
`), "/bin/sh", "-e"))
	srv := serve(t, root)
	if got := srv.get(t, "/hello.py?a+b"); got.body != "python hello.py ['a', 'b'] True True\n" {
		t.Errorf("python: %d %q", got.code, got.body)
	}
	if got := srv.get(t, "/strict.sh"); got.code != 200 || got.body != "" {
		t.Errorf("sh -e: %d %q", got.code, got.body)
	}
}

func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "n.cgi", sh(`printf 'Content-Type: text/plain\n\n%s' "$PATH_INFO"`))))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Get(fmt.Sprintf("%s/%d", srv.URL, i))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if want := fmt.Sprintf("/%d", i); string(b) != want {
				t.Errorf("got %q, want %q", b, want)
			}
		}()
	}
	wg.Wait()
}

// A body beyond the Site's SpoolThreshold reaches the script from its
// temporary file: serving it costs far less memory than the body.
func TestRequestBodyNotInMemory(t *testing.T) {
	dir := t.TempDir()
	s := cgi.NewScript(writeScript(t, dir, "count.cgi", sh(`n=$(wc -c)`, `printf 'Content-Type: text/plain\n\n%s' $n`)))
	srv := serve(t, s)
	body := bytes.Repeat([]byte("x"), 8<<20)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := srv.do(t, req)
	runtime.ReadMemStats(&after)
	if got.code != 200 || got.body != strconv.Itoa(len(body)) {
		t.Errorf("got %d %q, want 200 %q", got.code, got.body, strconv.Itoa(len(body)))
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d B", alloc)
	if alloc > 2<<20 {
		t.Errorf("allocated %d B to pass a body of %d B to a script", alloc, len(body))
	}
}

// TestBodyOverContentLength: a script that writes more than the
// Content-Length it declared has its body cut there, as a gateway must
// (RFC 9112 §6.3), and the rest dropped and logged; the client gets a whole
// response on a connection it can go on using, not an empty reply (nor, as
// from Twisted, the extra bytes where the next response should be).
func TestBodyOverContentLength(t *testing.T) {
	tests := []struct {
		name   string
		script string
		body   string
	}{
		{"a few bytes over", sh(`printf 'Content-Length: 2\nContent-Type: text/plain\n\nhello'`), "he"},
		{"declared empty", sh(`printf 'Content-Length: 0\n\nx'`), ""},
		{"a long output over", sh(`printf 'Content-Length: 3\n\nabc'`, `head -c 1048576 /dev/zero`), "abc"},
		{"over in a later read", sh(`printf 'Content-Length: 4\n\nab'`, `sleep 0.1`, `printf 'cdef'`), "abcd"},
	}
	dir := t.TempDir()
	root := resource.New()
	for i, tt := range tests {
		name := fmt.Sprintf("s%d.cgi", i)
		root.PutChild(name, cgi.NewScript(writeScript(t, dir, name, tt.script)))
	}
	srv := serve(t, root)
	for i, tt := range tests {
		// Two requests on one connection: the second response must come
		// whole after the first.
		get := fmt.Sprintf("GET /s%d.cgi HTTP/1.1\r\nHost: x\r\n\r\n", i)
		text := testutil.Raw(t, srv.Server, get+strings.Replace(get, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1))
		br := bufio.NewReader(strings.NewReader(text))
		for n := range 2 {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Errorf("%s: response %d: %v in %q", tt.name, n+1, err, text)
				break
			}
			b, err := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != tt.body || err != nil {
				t.Errorf("%s: response %d: %d %q, %v; want 200 %q", tt.name, n+1, resp.StatusCode, b, err, tt.body)
			}
		}
		if rest, _ := io.ReadAll(br); len(rest) > 0 {
			t.Errorf("%s: %q after the responses", tt.name, rest)
		}
	}
	if !strings.Contains(srv.log.String(), "more than its Content-Length") {
		t.Errorf("not logged:\n%s", srv.log)
	}
}

// TestExitLoggedBeforeHeaders: the log of a script refused before its
// header block ended says how the script ended, not that the run was
// cancelled, which is only how the server tidied up after it.
func TestExitLoggedBeforeHeaders(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string // in the log line of the refusal; "" for no exit, "-" for either
	}{
		{"exit 0, no output", sh(`exit 0`), ""},
		{"exit 4, no output", sh(`exit 4`), "exit status 4"},
		// Killed or not by then, it was not cancelled.
		{"bad header", sh(`printf 'XYZ\n\n'`), "-"},
	}
	dir := t.TempDir()
	root := resource.New()
	for i, tt := range tests {
		name := fmt.Sprintf("s%d.cgi", i)
		root.PutChild(name, cgi.NewScript(writeScript(t, dir, name, tt.script)))
	}
	srv := serve(t, root)
	for i, tt := range tests {
		if got := srv.get(t, fmt.Sprintf("/s%d.cgi", i)); got.code != 502 {
			t.Fatalf("%s: %d %q, want 502", tt.name, got.code, got.body)
		}
		var line string
		for l := range strings.Lines(srv.log.String()) {
			if strings.Contains(l, "bad script response") && strings.Contains(l, fmt.Sprintf("/s%d.cgi", i)) {
				line = l
			}
		}
		switch {
		case line == "":
			t.Errorf("%s: no refusal logged:\n%s", tt.name, srv.log)
		case strings.Contains(line, "context canceled"):
			t.Errorf("%s: logged as cancelled: %s", tt.name, line)
		case tt.want == "" && strings.Contains(line, "exit="):
			t.Errorf("%s: logged an exit error for a clean exit: %s", tt.name, line)
		case tt.want != "" && tt.want != "-" && !strings.Contains(line, tt.want):
			t.Errorf("%s: %q not logged: %s", tt.name, tt.want, line)
		}
	}
}
