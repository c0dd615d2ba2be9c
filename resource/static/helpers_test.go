package static_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

// notFoundPage is the body of a File's 404.
const notFoundPage = "\n<html>\n  <head><title>404 - No Such Resource</title></head>\n  <body>\n" +
	"    <h1>No Such Resource</h1>\n    <p>File not found.</p>\n  </body>\n</html>\n"

const secret = "top secret\n"

// makeTree builds the directory tree the tests serve, and beside it a
// directory "outside" whose file no request may reach. It returns the
// served directory.
func makeTree(t testing.TB) string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "served")
	outside := filepath.Join(base, "outside")
	files := map[string]string{
		"hello.txt":             "hello, world\n",
		"page.html":             "<p>hi</p>\n",
		"noext":                 "plain\n",
		"notes.txt.gz":          "gzdata",
		"data.bz2":              "bzdata",
		"digits.txt":            "0123456789",
		"r64.txt":               strings.Repeat("0123456789abcdef", 4),
		"h\u00e9llo.txt":        "unicode\n",
		"secret.txt":            "unreadable\n",
		"%2e%2e":                "a file named %2e%2e\n",
		"sub/inner.txt":         "inner\n",
		"sub/deeper/deep.txt":   "deep\n",
		"withindex/index.html":  "index page\n",
		"withindex/other.txt":   "other\n",
		"withindex2/index":      "plain index\n",
		"indexdir/index.htm":    "htm index\n",
		"dir2 & 3/x.txt":        "x\n",
		"../outside/secret.txt": secret,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"empty", "indexdir/index.html"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"link-in":          "hello.txt",
		"linkdir-in":       "sub",
		"link-out":         "../outside/secret.txt",
		"link-abs-out":     filepath.Join(outside, "secret.txt"),
		"linkdir-out":      "../outside",
		"sub/link-up":      "../hello.txt",
		"sub/link-up-out":  "../../outside/secret.txt",
		"broken":           "nowhere",
		"withindex/broken": "nowhere",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	return dir
}

// denySecret makes the Files of f's tree fail to open secret.txt with a
// permission error, as a mode-000 file would for a user other than root.
func denySecret(f *static.File) {
	static.SetOpen(f, func(name string) (*os.File, error) {
		if name == "secret.txt" {
			return nil, &fs.PathError{Op: "openat", Path: name, Err: syscall.EACCES}
		}
		return static.OpenInRoot(f, name)
	})
}

type server struct {
	*httptest.Server
	client *http.Client
}

// serveTree serves the children under a root on a real server; everything
// is closed when the test ends.
func serveTree(t testing.TB, children map[string]resource.Resource) *server {
	t.Helper()
	root := resource.New()
	for name, res := range children {
		root.PutChild(name, res)
	}
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	c := testutil.NoRedirects(srv.Client())
	c.Transport.(*http.Transport).DisableCompression = true
	return &server{srv, c}
}

// filesSite returns a Site, not served, with f at /files; it is closed when
// the test ends.
func filesSite(t testing.TB, f *static.File) *site.Site {
	t.Helper()
	root := resource.New()
	root.PutChild("files", f)
	s := site.New(root)
	t.Cleanup(func() { s.Close() })
	return s
}

// serveFiles serves the test tree at /files, with secret.txt unreadable.
func serveFiles(t *testing.T) *server {
	t.Helper()
	f := newFile(t, makeTree(t))
	denySecret(f)
	return serveTree(t, map[string]resource.Resource{"files": f})
}

// newFile returns a File for dir that is closed when the test ends.
func newFile(t testing.TB, dir string) *static.File {
	t.Helper()
	f, err := static.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// do sends a request with the header lines given as "Name: value".
func (s *server) do(t testing.TB, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := testutil.NewRequest(t, method, s.URL+path, nil)
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	return testutil.Send(t, s.client, req)
}

// raw sends target exactly as given, where a client would clean the path.
func (s *server) raw(t testing.TB, target string) (*http.Response, string) {
	t.Helper()
	return testutil.GetRaw(t, s.Listener.Addr().String(), target)
}
