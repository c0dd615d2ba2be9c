package static_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// discard is a reusable ResponseWriter that drops the body.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header  { return d.h }
func (d *discard) WriteHeader(code int) { d.code = code }
func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	d.n += len(p)
	return len(p), nil
}
func (d *discard) Flush() {}

func (d *discard) reset() {
	clear(d.h)
	d.code, d.n = 0, 0
}

// file4K writes a 4 KiB file for the benchmarks and returns its directory.
func file4K(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file4k.txt"), bytes.Repeat([]byte("0123456789abcdef"), 256), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func bench(b *testing.B, h http.Handler, target string) {
	req := httptest.NewRequest("GET", target, nil)
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	if w.code != http.StatusOK || w.n != 4096 {
		b.Fatalf("got %d with %d bytes", w.code, w.n)
	}
}

// BenchmarkFile4K serves a 4 KiB file with static.File through a Site.
func BenchmarkFile4K(b *testing.B) {
	f := newFile(b, file4K(b))
	root := resource.New()
	root.PutChild("files", f)
	s := site.New(root)
	defer s.Close()
	bench(b, s, "/files/file4k.txt")
}

// BenchmarkHTTPFileServer4K serves the same file with http.FileServer, for
// comparison.
func BenchmarkHTTPFileServer4K(b *testing.B) {
	bench(b, http.FileServer(http.Dir(file4K(b))), "/file4k.txt")
}
