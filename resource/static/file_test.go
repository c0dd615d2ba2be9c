package static_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

func TestFile(t *testing.T) {
	s := serveFiles(t)
	const (
		plain = "text/plain; charset=utf-8"
		html  = "text/html; charset=utf-8"
	)
	tests := []struct {
		path       string
		code       int
		body       string // checked when not ""
		ctype, enc string // checked when not ""
	}{
		{"/files/hello.txt", 200, "hello, world\n", plain, ""},
		{"/files/page.html", 200, "<p>hi</p>\n", html, ""},
		{"/files/noext", 200, "plain\n", "text/html", ""},
		{"/files/notes.txt.gz", 200, "gzdata", plain, "gzip"},
		{"/files/data.bz2", 200, "bzdata", "text/html", "bzip2"},
		{"/files/h%C3%A9llo.txt", 200, "unicode\n", plain, ""},
		{"/files/%252e%252e", 200, "a file named %2e%2e\n", "text/html", ""},
		{"/files/sub/inner.txt", 200, "inner\n", plain, ""},
		{"/files/sub/deeper/deep.txt", 200, "deep\n", plain, ""},
		{"/files/link-in", 200, "hello, world\n", "text/html", ""},
		{"/files/linkdir-in/inner.txt", 200, "inner\n", plain, ""},
		{"/files/sub/link-up", 200, "hello, world\n", "text/html", ""},
		{"/files/withindex/", 200, "index page\n", html, ""},
		{"/files/withindex2/", 200, "plain index\n", "text/html", ""},
		{"/files/indexdir/", 200, "htm index\n", html, ""},
		{"/files/empty/", 200, "", html, ""},
		{"/files/missing", 404, notFoundPage, "", ""},
		{"/files/missing/", 404, notFoundPage, "", ""},
		{"/files/missing/x", 404, notFoundPage, "", ""},
		{"/files/hello.txt/", 404, notFoundPage, "", ""},
		{"/files/hello.txt/x", 404, notFoundPage, "", ""},
		{"/files/sub/inner.txt/", 404, notFoundPage, "", ""},
		{"/files/sub/nope.txt", 404, notFoundPage, "", ""},
		{"/files/broken", 404, notFoundPage, "", ""},
		{"/files/broken/", 404, notFoundPage, "", ""},
		{"/files/link-out", 404, notFoundPage, "", ""},
		{"/files/link-abs-out", 404, notFoundPage, "", ""},
		{"/files/linkdir-out/secret.txt", 404, notFoundPage, "", ""},
		{"/files/linkdir-out/", 404, notFoundPage, "", ""},
		{"/files/sub/link-up-out", 404, notFoundPage, "", ""},
		{"/files/secret.txt", 403, "", "text/html; charset=utf-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := s.do(t, "GET", tt.path)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tt.code, body)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if strings.Contains(body, secret) {
				t.Errorf("body shows the file outside the root")
			}
			if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tt.ctype)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.enc {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.enc)
			}
			if tt.code == 403 && !strings.Contains(body, "<p>Sorry, resource is forbidden.</p>") {
				t.Errorf("403 body = %q", body)
			}
			if tt.code == 200 && tt.body != "" && resp.ContentLength != int64(len(tt.body)) {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(tt.body))
			}
		})
	}
}

func TestFileHeaders(t *testing.T) {
	s := serveFiles(t)
	resp, _ := s.do(t, "GET", "/files/hello.txt")
	if got := resp.Header.Get("Accept-Ranges"); got != "bytes" {
		t.Errorf("Accept-Ranges = %q", got)
	}
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil {
		t.Fatalf("Last-Modified: %v", err)
	}
	if d := time.Since(lm); d < -time.Minute || d > time.Hour {
		t.Errorf("Last-Modified = %v, not the file's time", lm)
	}

	resp, body := s.do(t, "HEAD", "/files/hello.txt")
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 13 {
		t.Errorf("HEAD: %d, body %q, Content-Length %d", resp.StatusCode, body, resp.ContentLength)
	}

	resp, body = s.do(t, "POST", "/files/hello.txt")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST: %d Allow %q; body %q", resp.StatusCode, resp.Header.Get("Allow"), body)
	}

	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	resp, body = s.do(t, "GET", "/files/hello.txt", "If-Modified-Since: "+future)
	if resp.StatusCode != 304 || body != "" || resp.Header.Get("Content-Type") != "" {
		t.Errorf("If-Modified-Since later: %d, body %q, Content-Type %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	resp, body = s.do(t, "GET", "/files/notes.txt.gz", "If-Modified-Since: "+future)
	if resp.StatusCode != 304 || body != "" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("304 of a .gz: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	past := time.Now().Add(-24 * time.Hour).UTC().Format(http.TimeFormat)
	resp, body = s.do(t, "GET", "/files/hello.txt", "If-Modified-Since: "+past)
	if resp.StatusCode != 200 || body != "hello, world\n" {
		t.Errorf("If-Modified-Since earlier: %d %q", resp.StatusCode, body)
	}
	resp, _ = s.do(t, "GET", "/files/hello.txt", "If-Modified-Since: not a date")
	if resp.StatusCode != 200 {
		t.Errorf("unparsable If-Modified-Since: %d", resp.StatusCode)
	}
}

func TestDirectoryRedirect(t *testing.T) {
	s := serveFiles(t)
	tests := []struct{ path, location string }{
		{"/files", "/files/"},
		{"/files?x=1", "/files/?x=1"},
		{"/files/sub", "/files/sub/"},
		{"/files/sub?x=1&y=2", "/files/sub/?x=1&y=2"},
		{"/files/dir2%20%26%203", "/files/dir2%20%26%203/"},
		{"/files/linkdir-in", "/files/linkdir-in/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := s.do(t, "GET", tt.path)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tt.location {
				t.Fatalf("got %d Location %q, want 302 %q", resp.StatusCode, resp.Header.Get("Location"), tt.location)
			}
			if !strings.Contains(body, `<meta http-equiv="refresh" content="0;URL=`) {
				t.Errorf("body = %q, want the meta-refresh page", body)
			}
		})
	}
}

// A directory reached by a path that begins with "//" must not redirect to
// a Location another host could be read from; the redirect leads a client
// to the directory's listing on this host.
func TestDirectoryRedirectNetworkPath(t *testing.T) {
	f := newFile(t, makeTree(t))
	s := serveTree(t, map[string]resource.Resource{"": f})
	for target, want := range map[string]string{
		"//sub?x=1":     "/.//sub/?x=1",
		"//sub":         "/.//sub/",
		"//sub/deeper":  "/.//sub/deeper/",
		"//%73ub?x=1":   "/.//%73ub/?x=1",
		"//linkdir-in":  "/.//linkdir-in/",
		"http://x//sub": "http://x//sub/",
	} {
		resp, _ := s.raw(t, target)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || loc != want {
			t.Errorf("%s: %d Location %q, want 302 %q", target, resp.StatusCode, loc, want)
		}
	}
	follow := &http.Client{}
	resp, err := follow.Get(s.URL + "//sub")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Host != s.Listener.Addr().String() ||
		resp.Request.URL.Path != "//sub/" || !strings.Contains(string(body), "inner.txt") {
		t.Errorf("following the redirect of //sub: %d at %s, want the listing of sub at //sub/", resp.StatusCode, resp.Request.URL)
	}
}

func TestSingleFile(t *testing.T) {
	dir := makeTree(t)
	one := newFile(t, filepath.Join(dir, "hello.txt"))
	link := newFile(t, filepath.Join(dir, "link-in"))
	s := serveTree(t, map[string]resource.Resource{"one": one, "link": link})
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/one", 200, "hello, world\n"},
		{"/link", 200, "hello, world\n"},
		{"/one/", 404, notFoundPage},
		{"/one/page.html", 404, notFoundPage},
		{"/one/x/y", 404, notFoundPage},
	}
	for _, tt := range tests {
		resp, body := s.do(t, "GET", tt.path)
		if resp.StatusCode != tt.code || body != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
	if got := static.FileName(one); got != "hello.txt" {
		t.Errorf("name = %q", got)
	}
}

func TestNewFileMissing(t *testing.T) {
	if _, err := static.NewFile(filepath.Join(t.TempDir(), "nope")); !os.IsNotExist(err) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

func TestPutChildComesFirst(t *testing.T) {
	f := newFile(t, makeTree(t))
	f.PutChild("hello.txt", static.NewData([]byte("put"), "text/plain"))
	s := serveTree(t, map[string]resource.Resource{"files": f})
	if _, body := s.do(t, "GET", "/files/hello.txt"); body != "put" {
		t.Errorf("body = %q, want the child put with PutChild", body)
	}
}

func TestSettingsInherited(t *testing.T) {
	f := newFile(t, makeTree(t))
	f.DefaultType = "application/octet-stream"
	f.IndexNames = []string{"other.txt"}
	s := serveTree(t, map[string]resource.Resource{"files": f})
	if resp, _ := s.do(t, "GET", "/files/sub/link-up"); resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
	}
	if _, body := s.do(t, "GET", "/files/withindex/"); body != "other\n" {
		t.Errorf("index = %q, want other.txt", body)
	}
}

func TestClosedFile(t *testing.T) {
	f, err := static.NewFile(makeTree(t))
	if err != nil {
		t.Fatal(err)
	}
	s := serveTree(t, map[string]resource.Resource{"files": f})
	f.Close()
	if resp, _ := s.do(t, "GET", "/files/hello.txt"); resp.StatusCode != 404 {
		t.Errorf("after Close: %d, want 404", resp.StatusCode)
	}
}

func TestConcurrent(t *testing.T) {
	s := serveFiles(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				resp, err := s.client.Get(s.URL + "/files/sub/inner.txt")
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "inner\n" {
					t.Errorf("body = %q", body)
				}
			}
		})
	}
	wg.Wait()
}

// The status and bytes ServeContent sends reach the Request, and so the
// access log.
func TestAccessLog(t *testing.T) {
	s := filesSite(t, newFile(t, makeTree(t)))
	var log strings.Builder
	s.AccessLog = &log
	tests := []struct {
		rng, want string
	}{
		{"", `"GET /files/digits.txt HTTP/1.1" 200 10 `},
		{"bytes=1-3", `"GET /files/digits.txt HTTP/1.1" 206 3 `},
		{"bytes=50-", `"GET /files/digits.txt HTTP/1.1" 416 `},
	}
	for _, tt := range tests {
		log.Reset()
		req := httptest.NewRequest("GET", "/files/digits.txt", nil)
		if tt.rng != "" {
			req.Header.Set("Range", tt.rng)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if !strings.Contains(log.String(), tt.want) {
			t.Errorf("Range %q: log %q, want %q", tt.rng, log.String(), tt.want)
		}
	}
}

func TestZeroFilePanics(t *testing.T) {
	defer func() {
		if v, ok := recover().(string); !ok || !strings.HasPrefix(v, "static: ") {
			t.Errorf("panic = %v, want a static: message", v)
		}
	}()
	var f static.File
	f.GetChild("x", nil)
}
