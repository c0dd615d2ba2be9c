package static_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/site"
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
	w := serveLoop(b, h, target)
	if w.Code != http.StatusOK || w.N != 4096 {
		b.Fatalf("got %d with %d bytes", w.Code, w.N)
	}
}

// serveLoop serves target with h for the benchmark and returns the last
// response.
func serveLoop(b *testing.B, h http.Handler, target string) *testutil.Discard {
	req := httptest.NewRequest("GET", target, nil)
	w := testutil.NewDiscard()
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		h.ServeHTTP(w, req)
	}
	return w
}

// dir100 makes a directory of 100 files of assorted sizes and returns its
// parent.
func dir100(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "list"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		name := filepath.Join(dir, "list", fmt.Sprintf("entry%03d.txt", i))
		if err := os.WriteFile(name, bytes.Repeat([]byte("x"), i*37), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkListing100 lists a directory of 100 files with static.File
// through a Site: each entry's size and type, as Twisted's listing shows.
func BenchmarkListing100(b *testing.B) {
	s := site.New(newFile(b, dir100(b)))
	defer s.Close()
	if w := serveLoop(b, s, "/list/"); w.Code != http.StatusOK {
		b.Fatalf("got %d", w.Code)
	}
}

// BenchmarkHTTPFileServerListing100 lists the same directory with
// http.FileServer, which shows names only, for comparison.
func BenchmarkHTTPFileServerListing100(b *testing.B) {
	if w := serveLoop(b, http.FileServer(http.Dir(dir100(b))), "/list/"); w.Code != http.StatusOK {
		b.Fatalf("got %d", w.Code)
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
