package static_test

import (
	"errors"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

// These tests port the behaviours of Twisted's test_static.py
// (StaticFileTests) that concern File's settings, each named in a comment,
// and test the settings Twisted has and File now has too.

// marker is a page with a fixed body, to tell replaced pages apart.
func marker(body string) resource.Resource {
	return testutil.Func(func(*request.Request) ([]byte, error) { return []byte(body), nil })
}

// writeTree makes the files named (path: content) under a fresh directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, files)
	return dir
}

// TestMissingFileEveryMethod: a missing file answers 404 to every method,
// as Twisted's childNotFound page does; a file that exists answers the
// methods it lacks with 405 (501 for an unknown one), even one it may not
// read, which only GET and HEAD open (403).
func TestMissingFileEveryMethod(t *testing.T) {
	s := serveFiles(t)
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"} {
		for _, path := range []string{"/files/missing", "/files/sub/missing.txt", "/files/missing/x", "/files/broken", "/files/link-out"} {
			resp, body := s.do(t, m, path)
			if resp.StatusCode != 404 || m != "HEAD" && body != notFoundPage {
				t.Errorf("%s %s: %d %q, want 404 File not found", m, path, resp.StatusCode, body)
			}
		}
	}
	for _, m := range []string{"GET", "HEAD"} {
		if resp, _ := s.do(t, m, "/files/secret.txt"); resp.StatusCode != 403 {
			t.Errorf("%s of an unreadable file: %d, want 403", m, resp.StatusCode)
		}
	}
	for _, path := range []string{"/files/hello.txt", "/files/sub"} {
		for m, want := range map[string]int{"POST": 405, "PUT": 405, "DELETE": 405, "BREW": 501} {
			resp, _ := s.do(t, m, path)
			if resp.StatusCode != want || want == 405 && resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
				t.Errorf("%s %s: %d Allow %q, want %d", m, path, resp.StatusCode, resp.Header.Get("Allow"), want)
			}
		}
		resp, body := s.do(t, "OPTIONS", path)
		if resp.StatusCode != 200 || body != "" || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
			t.Errorf("OPTIONS %s: %d Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

// test_forbiddenResource_customize, test_getChildChildNotFound_customize:
// the pages for a forbidden and a missing file can be replaced, per File,
// and the Files below it use them too.
func TestReplacedPages(t *testing.T) {
	f := newFile(t, makeTree(t))
	denySecret(f)
	f.NotFound = marker("custom-child-not-found-response")
	f.Forbidden = marker("custom-forbidden-response")
	f.Listing = static.NoListing
	plain := newFile(t, makeTree(t))
	s := serveTree(t, map[string]resource.Resource{"files": f, "plain": plain})
	for path, want := range map[string]string{
		"/files/missing":        "custom-child-not-found-response",
		"/files/sub/missing":    "custom-child-not-found-response",
		"/files/missing/deeper": "custom-child-not-found-response",
		"/files/..":             "custom-child-not-found-response",
		"/files/hello.txt/x":    "custom-child-not-found-response",
		"/files/empty/x":        "custom-child-not-found-response",
		"/files/secret.txt":     "custom-forbidden-response",
		"/files/empty/":         "custom-forbidden-response",
	} {
		if _, body := s.do(t, "GET", path); body != want {
			t.Errorf("GET %s: %q, want %q", path, body, want)
		}
	}
	if resp, body := s.do(t, "PUT", "/files/missing"); body != "custom-child-not-found-response" {
		t.Errorf("PUT of a missing file: %d %q", resp.StatusCode, body)
	}
	if _, body := s.do(t, "GET", "/plain/missing"); body != notFoundPage {
		t.Errorf("another File's page changed: %q", body)
	}
}

// Listings can be turned off, and then a directory without an index file
// answers 403; one with an index file still serves it.
func TestNoListing(t *testing.T) {
	f := newFile(t, makeTree(t))
	f.Listing = static.NoListing
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for path, want := range map[string]int{"/files/": 403, "/files/sub/": 403, "/files/empty/": 403, "/files/withindex/": 200, "/files/hello.txt": 200} {
		if resp, body := s.do(t, "GET", path); resp.StatusCode != want || strings.Contains(body, "Directory listing") {
			t.Errorf("GET %s: %d, want %d and no listing", path, resp.StatusCode, want)
		}
	}
}

// dirNames lists a directory in plain text: a replacement listing.
type dirNames struct {
	resource.Leaf
	dir *static.File
}

func (d dirNames) RenderGET(r *request.Request) ([]byte, error) {
	des, err := d.dir.ReadDir()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(d.dir.Name() + ":")
	for _, de := range des {
		b.WriteString(" " + de.Name())
	}
	r.SetHeader("Content-Type", "text/plain")
	return []byte(b.String()), nil
}

// The listing can be replaced by any resource, made per directory.
func TestReplacedListing(t *testing.T) {
	f := newFile(t, writeTree(t, map[string]string{"b.txt": "", "a.txt": "", "sub/c.txt": ""}))
	f.Listing = func(dir *static.File) resource.Resource { return dirNames{dir: dir} }
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for path, want := range map[string]string{"/files/": ".: a.txt b.txt sub", "/files/sub/": "sub: c.txt", "/files/./sub/": "sub: c.txt"} {
		if _, body := s.do(t, "GET", path); body != want {
			t.Errorf("GET %s: %q, want %q", path, body, want)
		}
	}
}

// test_indexNames: a file named in IndexNames is served for the trailing
// slash, with its Content-Length.
func TestIndexNames(t *testing.T) {
	f := newFile(t, writeTree(t, map[string]string{"foo.bar": "baz", "sub/foo.bar": "sub baz", "sub/index.html": "not this"}))
	f.IndexNames = []string{"missing", "foo.bar"}
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for path, want := range map[string]string{"/files/": "baz", "/files/sub/": "sub baz"} {
		resp, body := s.do(t, "GET", path)
		if body != want || resp.ContentLength != int64(len(want)) {
			t.Errorf("GET %s: %q, Content-Length %d; want %q", path, body, resp.ContentLength, want)
		}
	}
}

// test_ignoredExtensionsIgnored, test_ignoreExt: with ".bar" ignored, foo
// serves foo.bar (not foo.quux); the extensions are tried in order, and a
// name that exists as asked wins.
func TestIgnoredExts(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"foo.bar": "baz", "foo.quux": "foobar", "both": "exact", "both.bar": "not this",
		"page.html": "<p>page</p>", "page.htm": "htm", "sub/deep.html": "deep",
		"star.b": "b", "star.a": "a", "stars": "not a sibling",
	})
	f := newFile(t, dir)
	f.IgnoredExts = []string{".bar"}
	f.IgnoredExts = append(f.IgnoredExts, ".html", ".htm")
	star := newFile(t, dir)
	star.IgnoredExts = []string{"*"}
	plain := newFile(t, dir)
	s := serveTree(t, map[string]resource.Resource{"files": f, "star": star, "plain": plain})
	tests := []struct {
		path, body string
		code       int
	}{
		{"/files/foo", "baz", 200},
		{"/files/both", "exact", 200},
		{"/files/page", "<p>page</p>", 200},
		{"/files/sub/deep", "deep", 200},
		{"/files/nothing", notFoundPage, 404},
		{"/files/foo/x", notFoundPage, 404},
		{"/star/star", "a", 200},
		{"/star/foo", "baz", 200},
		{"/star/sta", notFoundPage, 404},
		{"/plain/foo", notFoundPage, 404},
	}
	for _, tt := range tests {
		resp, body := s.do(t, "GET", tt.path)
		if resp.StatusCode != tt.code || body != tt.body {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
	if resp, _ := s.do(t, "GET", "/files/page"); resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("/files/page is served as %q, want the type of page.html", resp.Header.Get("Content-Type"))
	}
}

// test_processors: a processor serves the files of its extension, with
// the resource it makes from the file's path; it applies to index files
// and to files found through an ignored extension, whatever the case of
// the extension, and its error gives the failure page.
func TestProcessors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"foo.bar": "source", "UP.BAR": "source", "index.bar": "source", "sub/x.bar": "source",
		"broken.err": "", "plain.txt": "plain",
	})
	f := newFile(t, dir)
	var paths []string
	f.Processors = map[string]func(string) (resource.Resource, error){
		".bar": func(path string) (resource.Resource, error) {
			paths = append(paths, path)
			return static.NewData([]byte("dynamic world"), "text/plain"), nil
		},
		".err": func(string) (resource.Resource, error) { return nil, errors.New("no") },
	}
	f.IndexNames = []string{"index.bar"}
	f.IgnoredExts = []string{".bar"}
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for _, path := range []string{"/files/foo.bar", "/files/UP.BAR", "/files/", "/files/sub/x.bar", "/files/foo", "/files/./foo.bar"} {
		resp, body := s.do(t, "GET", path)
		if body != "dynamic world" || resp.ContentLength != 13 {
			t.Errorf("GET %s: %q, Content-Length %d; want the processor's page", path, body, resp.ContentLength)
		}
	}
	if !slices.Contains(paths, filepath.Join(dir, "sub", "x.bar")) {
		t.Errorf("processor paths %q lack %s", paths, filepath.Join(dir, "sub", "x.bar"))
	}
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			t.Errorf("processor path %q is not absolute", p)
		}
	}
	if resp, _ := s.do(t, "GET", "/files/missing.bar"); resp.StatusCode != 404 {
		t.Errorf("a missing file with a processor's extension: %d", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", "/files/broken.err"); resp.StatusCode != 500 {
		t.Errorf("a processor's error: %d, want 500", resp.StatusCode)
	}
	if _, body := s.do(t, "GET", "/files/plain.txt"); body != "plain" {
		t.Errorf("a file without a processor: %q", body)
	}
}

// A symbolic link is served by the processor of the file it leads to, or
// of a link on the way, whatever its own name: through a chain of links,
// below a linked directory, as an index file, and (with FollowSymlinks)
// out of the directory; a link to a plain file stays plain, and the
// processor is given the path the request named. A link that leaves the
// directory is still refused without FollowSymlinks.
func TestProcessorsThroughLinks(t *testing.T) {
	base := writeTree(t, map[string]string{
		"www/script.bar": "source", "www/plain.txt": "plain", "www/real/in.txt": "inner", "www/idx/x": "", "www/deep/x": "",
		"outside/out.bar": "source",
	})
	dir := filepath.Join(base, "www")
	for name, target := range map[string]string{
		"app.txt":       "script.bar",                  // the reported case
		"chain.txt":     "app.txt",                     // a chain that ends at a script
		"mid.bar":       "plain.txt",                   // a link named as a script: its name rules
		"via.txt":       "mid.bar",                     // a chain through it
		"plainlink.txt": "plain.txt",                   // a link to a plain file
		"d":             "real",                        // a directory link inside the root
		"real/up":       "../script.bar",               // relative to real, reached as d/up
		"deep/d":        "../real",                     // where ../ of real/up is not deep/
		"idx/index":     "../script.bar",               // an index file
		"out.txt":       "../outside/out.bar",          // leaves the root
		"abs.txt":       filepath.Join(dir, "app.txt"), // absolute, inside the root
		"loop.txt":      "loop.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	var paths []string
	procs := map[string]func(string) (resource.Resource, error){
		".bar": func(path string) (resource.Resource, error) {
			paths = append(paths, path)
			return static.NewData([]byte("dynamic world"), "text/plain"), nil
		},
	}
	f := newFile(t, dir)
	f.Processors = procs
	f.IndexNames = []string{"index"}
	follow := newFile(t, dir)
	follow.Processors = procs
	follow.FollowSymlinks = true
	s := serveTree(t, map[string]resource.Resource{"files": f, "follow": follow})
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/files/app.txt", 200, "dynamic world"},
		{"/files/chain.txt", 200, "dynamic world"},
		{"/files/mid.bar", 200, "dynamic world"},
		{"/files/via.txt", 200, "dynamic world"},
		{"/files/plainlink.txt", 200, "plain"},
		{"/files/d/in.txt", 200, "inner"},
		{"/files/d/up", 200, "dynamic world"},
		{"/files/./d/./up", 200, "dynamic world"},
		{"/files/deep/d/up", 200, "dynamic world"},
		{"/files/idx/", 200, "dynamic world"},
		{"/files/out.txt", 404, notFoundPage},
		{"/files/abs.txt", 404, notFoundPage},
		{"/files/loop.txt", 404, notFoundPage},
		{"/follow/out.txt", 200, "dynamic world"},
		{"/follow/abs.txt", 200, "dynamic world"},
		{"/follow/d/up", 200, "dynamic world"},
		{"/follow/plainlink.txt", 200, "plain"},
	}
	for _, tt := range tests {
		if resp, body := s.do(t, "GET", tt.path); resp.StatusCode != tt.code || body != tt.body {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
	if !slices.Contains(paths, filepath.Join(dir, "d", "up")) {
		t.Errorf("processor paths %q lack the path asked for, %s", paths, filepath.Join(dir, "d", "up"))
	}
}

// Content types and encodings are the File's own: they add to the mime
// table, reach the listing, and leave other Files alone.
func TestContentTypesAndEncodings(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# a", "b.txt.br": "br", "c.txt.gz": "gz", "d.TXT": "upper"})
	f := newFile(t, dir)
	f.ContentTypes = map[string]string{".md": "text/markdown; charset=utf-8", ".txt": "text/x-mine"}
	f.ContentEncodings = map[string]string{".br": "br"}
	plain := newFile(t, dir)
	s := serveTree(t, map[string]resource.Resource{"files": f, "plain": plain})
	tests := []struct {
		path, ctype, enc string
	}{
		{"/files/a.md", "text/markdown; charset=utf-8", ""},
		{"/files/b.txt.br", "text/x-mine", "br"},
		{"/files/c.txt.gz", orDefault(mime.TypeByExtension(".gz")), ""}, // .gz is no encoding here
		{"/files/d.TXT", "text/x-mine", ""},
		{"/plain/c.txt.gz", "text/plain; charset=utf-8", "gzip"},
		{"/plain/b.txt.br", "text/html", ""},
	}
	for _, tt := range tests {
		resp, _ := s.do(t, "GET", tt.path)
		if resp.Header.Get("Content-Type") != tt.ctype || resp.Header.Get("Content-Encoding") != tt.enc {
			t.Errorf("GET %s: %q %q, want %q %q", tt.path, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"), tt.ctype, tt.enc)
		}
	}
	if _, body := s.do(t, "GET", "/files/"); !strings.Contains(body, "[text/markdown; charset=utf-8]") || !strings.Contains(body, "[br]") {
		t.Errorf("the listing does not use the File's types:\n%s", body)
	}
}

func orDefault(ctype string) string {
	if ctype == "" {
		return "text/html"
	}
	return ctype
}

// Symbolic links leave the directory only when the File is told to follow
// them; "..", which is no link, stays refused.
func TestFollowSymlinks(t *testing.T) {
	f := newFile(t, makeTree(t))
	f.FollowSymlinks = true
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for path, want := range map[string]string{
		"/files/link-out":               secret,
		"/files/link-abs-out":           secret,
		"/files/linkdir-out/secret.txt": secret,
		"/files/sub/link-up-out":        secret,
		"/files/link-in":                "hello, world\n",
	} {
		if resp, body := s.do(t, "GET", path); resp.StatusCode != 200 || body != want {
			t.Errorf("GET %s: %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
	for _, target := range []string{"/files/../outside/secret.txt", "/files/%2e%2e/outside/secret.txt", "/files/broken"} {
		if resp, _ := s.raw(t, target); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", target, resp.StatusCode)
		}
	}
	if _, body := s.do(t, "GET", "/files/"); !strings.Contains(body, `href="link-out"`) || !strings.Contains(body, `href="linkdir-out/"`) {
		t.Errorf("the listing leaves out the links it follows:\n%s", body)
	}
	f.Close()
	if resp, _ := s.do(t, "GET", "/files/link-out"); resp.StatusCode != 404 {
		t.Errorf("after Close: %d, want 404", resp.StatusCode)
	}
}

// test_staticFileDeletedGetChild, test_staticFileDeletedRender: a File
// whose directory or file was removed answers with its NotFound page.
func TestDeleted(t *testing.T) {
	dir := writeTree(t, map[string]string{"d/foo.bar": "x", "gone.txt": "x"})
	d := newFile(t, filepath.Join(dir, "d"))
	one := newFile(t, filepath.Join(dir, "gone.txt"))
	s := serveTree(t, map[string]resource.Resource{"d": d, "one": one})
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/d/foo.bar", "/one"} {
		if resp, body := s.do(t, "GET", path); resp.StatusCode != 404 || body != notFoundPage {
			t.Errorf("GET %s: %d %q, want the NotFound page", path, resp.StatusCode, body)
		}
	}
}

// test_HEADClosesFile, test_cachedRequestClosesFile: neither HEAD nor a
// 304 leaves the file open.
func TestHEADAnd304CloseFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts descriptors in /proc/self/fd")
	}
	s := serveFiles(t)
	fds := func() int {
		des, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(des)
	}
	future := "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"
	s.do(t, "HEAD", "/files/hello.txt") // the connection is open from here on
	before := fds()
	for range 50 {
		if resp, body := s.do(t, "HEAD", "/files/hello.txt"); resp.StatusCode != 200 || body != "" {
			t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
		}
		if resp, body := s.do(t, "GET", "/files/hello.txt", future); resp.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("cached GET: %d %q", resp.StatusCode, body)
		}
	}
	if after := fds(); after > before+5 {
		t.Errorf("%d descriptors open after 100 HEAD and 304 responses, %d before", after, before)
	}
}
