package inspect_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// The requests the inspector keeps keep only what it shows of them: a
// client's long paths cost it no more than short ones. (It used to keep
// every path whole: 50 requests of 900 KiB held 44 MiB.)
func TestLongPathsKeptShort(t *testing.T) {
	s := serve(t, resource.New(), func(_ *site.Site, ins *inspect.Inspector) { ins.Log = nil })
	long := "/" + strings.Repeat("a", 900<<10)
	before := liveHeap()
	for range 50 {
		s.get(t, long)
	}
	if grew := int64(liveHeap()) - int64(before); grew > 4<<20 {
		t.Errorf("the heap grew by %.1f MiB over 50 requests of 900 KiB paths, want under 4", float64(grew)/(1<<20))
	}
}

// A short path keeps nothing of the rest of its request line: a long query,
// which the inspector does not show, costs it nothing. (The path's segments
// were slices of the request line: 50 requests with a short path and a
// 900 KiB query held 44 MiB.)
func TestLongQueryNotKept(t *testing.T) {
	s := serve(t, resource.New(), func(_ *site.Site, ins *inspect.Inspector) { ins.Log = nil })
	long := "/a/b?q=" + strings.Repeat("a", 900<<10)
	before := liveHeap()
	for range 50 {
		s.get(t, long)
	}
	if grew := int64(liveHeap()) - int64(before); grew > 4<<20 {
		t.Errorf("the heap grew by %.1f MiB over 50 requests of 900 KiB queries, want under 4", float64(grew)/(1<<20))
	}
	if got := lines(s.view(t, "requests"), `<tr class="start">`); len(got) == 0 || got[0] != `0 [] ["a", "b"] the root start` {
		t.Errorf("the start row: %q", got)
	}
}
