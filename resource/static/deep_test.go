package static_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// deepPath returns "/files" followed by n copies of "/"+seg.
func deepPath(seg string, n int) string {
	return "/files" + strings.Repeat("/"+seg, n)
}

// A path of 31,000 segments into a static directory (62 KB, within
// net/http's header limit) once built a longer file name at every level:
// 1 GB allocated and most of a second per request. Traversal now stops
// asking the file system at the first segment that does not exist, so
// such a path costs what a short one does. Measured in allocations, not
// time: the deep request may allocate no more than a shallow one plus a
// few, and a few tens of kilobytes in all.
func TestDeepPathBounded(t *testing.T) {
	dir := makeTree(t)
	if err := os.Symlink(".", filepath.Join(dir, "loop")); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	root := resource.New()
	root.PutChild("files", newFile(t, dir))
	s := site.New(root)
	s.Logger = slog.New(slog.DiscardHandler)
	defer s.Close()

	const deep = 31000
	for _, seg := range []string{
		"a",    // missing from the first segment
		"sub",  // one directory, then missing
		"loop", // a link to its own directory: exists until os.Root stops following
	} {
		t.Run(seg, func(t *testing.T) {
			measure := func(n int) (allocs float64, bytes uint64) {
				req := httptest.NewRequest("GET", deepPath(seg, n), nil)
				serve := func() {
					w := httptest.NewRecorder()
					s.ServeHTTP(w, req)
					if w.Code != http.StatusNotFound {
						t.Fatalf("%d segments: status %d, want 404", n, w.Code)
					}
				}
				allocs = testing.AllocsPerRun(5, serve)
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				serve()
				runtime.ReadMemStats(&m1)
				return allocs, m1.TotalAlloc - m0.TotalAlloc
			}
			shallowAllocs, shallowBytes := measure(12)
			deepAllocs, deepBytes := measure(deep)
			t.Logf("12 segments: %.0f allocs, %d B; %d segments: %.0f allocs, %d B",
				shallowAllocs, shallowBytes, deep, deepAllocs, deepBytes)
			if deepAllocs > shallowAllocs+8 {
				t.Errorf("%d segments: %.0f allocations, want at most %.0f (those of 12 segments, plus 8)",
					deep, deepAllocs, shallowAllocs+8)
			}
			if deepBytes > 64<<10 {
				t.Errorf("%d segments: %d bytes allocated, want at most 64 KiB", deep, deepBytes)
			}
		})
	}
}

// The same attack over a real connection gets the File's 404.
func TestDeepPathOverHTTP(t *testing.T) {
	s := serveFiles(t)
	for _, seg := range []string{"a", "sub", "hello.txt"} {
		resp, body := s.do(t, "GET", deepPath(seg, 31000))
		if resp.StatusCode != http.StatusNotFound || body != notFoundPage {
			t.Errorf("%s ×31000: %d %q, want the File's 404", seg, resp.StatusCode, body)
		}
	}
}

// BenchmarkDeepPath serves a 404 for a path of 31,000 missing segments.
func BenchmarkDeepPath(b *testing.B) {
	root := resource.New()
	root.PutChild("files", newFile(b, b.TempDir()))
	s := site.New(root)
	defer s.Close()
	req := httptest.NewRequest("GET", deepPath("a", 31000), nil)
	b.ReportAllocs()
	for b.Loop() {
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}
