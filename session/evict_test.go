package session_test

import (
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/session"
)

// A full store evicts the sessions no request came back with first, the
// earliest deadline first among them, and a session used on two requests
// or more only when no such session remains: a cookieless flood cannot
// push out a real visitor (issue 14's attack 5).
func TestEvictionSparesReturningVisitors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{MaxSessions: 3})
		visitor := add(t, st, session.WithTimeout(time.Minute))
		time.Sleep(time.Second)
		if _, err := st.Access(visitor.UID()); err != nil { // the visitor comes back
			t.Fatal(err)
		}
		// The visitor now has the earliest deadline of all: the old rule
		// (earliest deadline first) would evict it.
		time.Sleep(time.Second)
		late := add(t, st, session.WithTimeout(time.Hour))
		early := add(t, st, session.WithTimeout(time.Minute))
		var bots []*session.Session
		for range 100 { // the flood
			bots = append(bots, add(t, st, session.WithTimeout(time.Minute)))
			time.Sleep(time.Millisecond)
		}
		if visitor.Expired() {
			t.Fatal("the flood evicted the visitor who came back")
		}
		if !early.Expired() || late.Expired() {
			t.Error("among the sessions that never came back, the earliest deadline did not go first")
		}
		for _, b := range bots[:len(bots)-1] {
			if !b.Expired() {
				t.Fatal("an older bot session outlived a newer one (earliest deadline first)")
			}
		}
		if st.Len() != 3 {
			t.Errorf("Len() = %d, want 3", st.Len())
		}

		// Once every session has come back, the earliest deadline goes.
		for _, s := range []*session.Session{late, bots[len(bots)-1]} {
			time.Sleep(time.Second)
			if _, err := st.Access(s.UID()); err != nil {
				t.Fatal(err)
			}
		}
		add(t, st, session.WithTimeout(time.Hour))
		if !visitor.Expired() {
			t.Error("with no session left that never came back, the earliest deadline was not evicted")
		}
	})
}

// liveHeap returns the bytes of heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// After a flood of sessions expires, the store gives back the memory of its
// index and heaps: a Go map never shrinks, so they are rebuilt.
func TestMemoryReturnedAfterFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 200,000 sessions")
	}
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		keep := add(t, st, session.WithTimeout(time.Hour))
		before := liveHeap()
		const n = 200_000
		for range n {
			add(t, st, session.WithTimeout(time.Minute))
		}
		during := liveHeap()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		after := liveHeap()
		if st.Len() != 1 || keep.Expired() {
			t.Fatalf("Len() = %d after the flood expired, want 1", st.Len())
		}
		t.Logf("heap: %d KiB before, %d KiB with %d sessions, %d KiB after they expired",
			before>>10, during>>10, n, after>>10)
		// The flood's sessions took some 60 MB; what the store keeps after
		// must be a small fraction of it (a tenth), not the index's peak size.
		if grown := int64(after) - int64(before); grown > int64(during-before)/10 {
			t.Errorf("heap grew by %d KiB after the flood expired (%d KiB during): memory not given back",
				grown>>10, (during-before)>>10)
		}
	})
}
