package static_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
)

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
	w := testutil.NewDiscard()
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		h.ServeHTTP(w, req)
	}
	if w.Code != http.StatusOK || w.N != 4096 {
		b.Fatalf("got %d with %d bytes", w.Code, w.N)
	}
}

// BenchmarkFile4K serves a 4 KiB file with static.File through a Site.
func BenchmarkFile4K(b *testing.B) {
	bench(b, filesSite(b, newFile(b, file4K(b))), "/files/file4k.txt")
}

// BenchmarkHTTPFileServer4K serves the same file with http.FileServer, for
// comparison.
func BenchmarkHTTPFileServer4K(b *testing.B) {
	bench(b, http.FileServer(http.Dir(file4K(b))), "/file4k.txt")
}
