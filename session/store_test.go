package session_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/gotwisted/web/session"
)

func TestStoreGet(t *testing.T) {
	st := newStore(t, session.Options{})
	s := add(t, st, session.New)
	uid := s.UID()
	tests := []struct {
		name string
		uid  string
		ok   bool
	}{
		{"live", uid, true},
		{"upper case", strings.ToUpper(uid), true},
		{"unknown", uuid.NewString(), false},
		{"empty", "", false},
		{"garbage", "not a uuid", false},
		{"braces", "{" + uid + "}", false},
		{"urn", "urn:uuid:" + uid, false},
		{"no hyphens", strings.ReplaceAll(uid, "-", ""), false},
		{"truncated", uid[:35], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := session.LookupOK(st, tt.uid)
			if ok != tt.ok || (ok && got != s) || (!ok && got != nil) {
				t.Errorf("Get(%q) = %p, %v; want ok=%v", tt.uid, got, ok, tt.ok)
			}
			if n := testing.AllocsPerRun(100, func() { session.LookupOK(st, tt.uid) }); n != 0 {
				t.Errorf("Get(%q) allocates %v times, want 0", tt.uid, n)
			}
		})
	}
}

func TestStoreAddErrors(t *testing.T) {
	st := newStore(t, session.Options{})
	s := add(t, st, session.New)
	mustPanic(t, "Add twice", func() { session.Add(st, s) })
	other := newStore(t, session.Options{})
	mustPanic(t, "Add to a second store", func() { session.Add(other, s) })
	if err := session.Add(st, session.New(s.UID())); !errors.Is(err, session.ErrDuplicateUID) {
		t.Errorf("Add of a duplicate uid: %v, want ErrDuplicateUID", err)
	}
	if st.Len() != 1 {
		t.Errorf("Len() = %d, want 1", st.Len())
	}
}

func TestStoreAddExpired(t *testing.T) {
	st := newStore(t, session.Options{})
	s := session.New(uuid.NewString())
	n := 0
	s.NotifyOnExpire(func() { n++ })
	s.Expire()
	if err := session.Add(st, s); err != nil {
		t.Fatalf("Add of an expired session: %v", err)
	}
	if _, ok := session.LookupOK(st, s.UID()); ok || st.Len() != 0 {
		t.Error("store holds an expired session")
	}
	s.Expire()
	if n != 1 {
		t.Errorf("callback ran %d times, want 1", n)
	}
}

func TestStoreWithoutSessionsStartsNothing(t *testing.T) {
	st := session.NewManager(session.Options{})
	session.LookupOK(st, uuid.NewString())
	_ = st.Len()
	goleak.VerifyNone(t)
	st.Close()
	st.Close()
}

func TestStoreClose(t *testing.T) {
	st := session.NewManager(session.Options{})
	s := add(t, st, session.New)
	uid := s.UID()
	n := 0
	s.NotifyOnExpire(func() { n++ })
	st.Close()
	goleak.VerifyNone(t)
	st.Close() // idempotent
	if n != 0 {
		t.Errorf("Close ran %d callbacks, want none", n)
	}
	if s.Expired() {
		t.Error("Close marked a session expired")
	}
	if _, ok := session.LookupOK(st, uid); ok || st.Len() != 0 {
		t.Error("closed store still holds a session")
	}
	if err := session.Add(st, session.New(uuid.NewString())); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Add after Close: %v, want ErrClosed", err)
	}
	if err := session.Rename(st, s, uuid.NewString()); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Rename after Close: %v, want ErrClosed", err)
	}
	s.Expire()
	if n != 1 {
		t.Errorf("Expire after Close ran %d callbacks, want 1", n)
	}
}

func TestStoreCloseConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := session.NewManager(session.Options{})
		add(t, st, session.WithTimeout(time.Second))
		for range 5 {
			go st.Close()
		}
		st.Close()
		synctest.Wait()
	})
}

func TestManualExpireLeavesHeap(t *testing.T) {
	st := newStore(t, session.Options{})
	var ss []*session.Session
	for range 10 {
		ss = append(ss, add(t, st, session.New))
	}
	for _, s := range ss[:5] {
		s.Expire()
	}
	if st.Len() != 5 || session.HeapLen(st) != 5 {
		t.Errorf("Len() = %d, heap %d; want 5, 5", st.Len(), session.HeapLen(st))
	}
}

func TestMaxSessionsEvictsEarliestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{MaxSessions: 3})
		a := add(t, st, session.WithTimeout(3*time.Minute))
		b := add(t, st, session.WithTimeout(1*time.Minute)) // earliest deadline
		c := add(t, st, session.WithTimeout(2*time.Minute))
		evicted := 0
		b.NotifyOnExpire(func() {
			if _, ok := session.LookupOK(st, b.UID()); ok {
				t.Error("evicted session still in the store in its callback")
			}
			evicted++
		})
		d := add(t, st, session.WithTimeout(time.Hour))
		if evicted != 1 {
			t.Errorf("eviction callback ran %d times before Add returned, want 1", evicted)
		}
		if !b.Expired() || a.Expired() || c.Expired() || d.Expired() {
			t.Error("wrong session evicted")
		}
		if st.Len() != 3 {
			t.Errorf("Len() = %d, want 3", st.Len())
		}
		add(t, st, session.WithTimeout(time.Hour))
		if !c.Expired() || a.Expired() {
			t.Error("second eviction did not take the earliest deadline")
		}
	})
}

func TestRename(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		s := add(t, st, session.WithTimeout(time.Minute))
		oldUID := s.UID()
		session.Set(s, "data")
		fired := 0
		s.NotifyOnExpire(func() { fired++ })
		time.Sleep(30 * time.Second)

		newUID := uuid.NewString()
		if err := session.Rename(st, s, newUID); err != nil {
			t.Fatalf("Rename: %v", err)
		}
		if s.UID() != newUID {
			t.Errorf("UID() = %q, want %q", s.UID(), newUID)
		}
		if _, ok := session.LookupOK(st, oldUID); ok {
			t.Error("old uid still finds the session")
		}
		if got, ok := session.LookupOK(st, newUID); !ok || got != s {
			t.Error("new uid does not find the session")
		}
		if v, _ := session.Get[string](s); v != "data" {
			t.Errorf("component after Rename = %q, want %q", v, "data")
		}
		if err := session.Rename(st, s, newUID); err != nil {
			t.Errorf("Rename to its own uid: %v", err)
		}
		other := add(t, st, session.New)
		if err := session.Rename(st, s, other.UID()); !errors.Is(err, session.ErrDuplicateUID) {
			t.Errorf("Rename to a live uid: %v, want ErrDuplicateUID", err)
		}
		mustPanic(t, "Rename to garbage", func() { session.Rename(st, s, "garbage") })
		if err := session.Rename(st, session.New(uuid.NewString()), uuid.NewString()); !errors.Is(err, session.ErrNotLive) {
			t.Errorf("Rename of a session never added: %v, want ErrNotLive", err)
		}

		// The deadline is unchanged: the session still expires one
		// minute after creation.
		time.Sleep(30*time.Second - 1)
		synctest.Wait()
		if s.Expired() {
			t.Fatal("renamed session expired early")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if !s.Expired() || fired != 1 {
			t.Fatalf("renamed session: Expired() = %v, callbacks %d; want true, 1", s.Expired(), fired)
		}
		if _, ok := session.LookupOK(st, newUID); ok || st.Len() != 1 {
			t.Error("expired renamed session still in the store")
		}
		if err := session.Rename(st, s, uuid.NewString()); !errors.Is(err, session.ErrNotLive) {
			t.Errorf("Rename of an expired session: %v, want ErrNotLive", err)
		}
	})
}

func TestAllExpireInsideLoop(t *testing.T) {
	st := newStore(t, session.Options{})
	want := map[*session.Session]bool{}
	for range 100 {
		want[add(t, st, session.New)] = true
	}
	n := 0
	for s := range st.All() {
		if !want[s] {
			t.Fatal("All yielded an unknown session")
		}
		delete(want, s)
		s.Expire()
		add(t, st, session.New) // not seen by this iteration
		n++
	}
	if n != 100 || len(want) != 0 {
		t.Errorf("All yielded %d sessions, missed %d", n, len(want))
	}
	if st.Len() != 100 {
		t.Errorf("Len() = %d, want 100", st.Len())
	}
	// Stopping early, and skipping sessions expired mid-iteration.
	n = 0
	for s := range st.All() {
		n++
		if n == 1 {
			for other := range st.All() {
				if other != s {
					other.Expire()
				}
			}
		}
	}
	if n != 1 {
		t.Errorf("second pass yielded %d sessions, want 1", n)
	}
	for range st.All() {
		break
	}
}

// TestSchedulerOrder gives sessions random timeouts and checks, at every
// deadline, that exactly the due ones are gone.
func TestSchedulerOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		r := rand.New(rand.NewPCG(1, 2))
		type entry struct {
			s  *session.Session
			at time.Time
		}
		var es []entry
		var order []*session.Session
		for range 300 {
			d := time.Duration(1+r.IntN(50)) * time.Second
			s := add(t, st, session.WithTimeout(d))
			s.NotifyOnExpire(func() { order = append(order, s) })
			es = append(es, entry{s, s.Deadline()})
			if r.IntN(3) == 0 {
				time.Sleep(time.Duration(r.IntN(1000)) * time.Millisecond)
			}
		}
		// Touch a third of them once, later.
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		for i := range es {
			if i%3 == 0 && !es[i].s.Expired() {
				es[i].s.Touch()
				es[i].at = es[i].s.Deadline()
			}
		}
		slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
		for i, e := range es {
			if e.s.Expired() {
				continue
			}
			time.Sleep(time.Until(e.at) - 1)
			synctest.Wait()
			if e.s.Expired() {
				t.Fatalf("session %d expired before its deadline", i)
			}
			time.Sleep(time.Until(e.at))
			synctest.Wait()
			if !e.s.Expired() {
				t.Fatalf("session %d alive at its deadline", i)
			}
		}
		if st.Len() != 0 || len(order) != len(es) {
			t.Errorf("Len() = %d, %d expired; want 0, %d", st.Len(), len(order), len(es))
		}
	})
}

// liveStore returns a store holding n sessions with an hour to live.
func liveStore(b *testing.B, n int) (*session.Manager, []*session.Session) {
	st := session.NewManager(session.Options{MaxSessions: n})
	b.Cleanup(st.Close)
	f := session.WithTimeout(time.Hour)
	ss := make([]*session.Session, n)
	for i := range ss {
		ss[i] = f(uuid.NewString())
		if err := session.Add(st, ss[i]); err != nil {
			b.Fatal(err)
		}
	}
	return st, ss
}

func BenchmarkTouch(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		b.Run(fmt.Sprintf("live=%d", n), func(b *testing.B) {
			_, ss := liveStore(b, n)
			s := ss[n/2]
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s.Touch()
			}
		})
	}
}

func BenchmarkTouchSpread(b *testing.B) {
	const n = 1_000_000
	_, ss := liveStore(b, n)
	r := rand.New(rand.NewPCG(1, 2))
	idx := make([]int32, 1<<20)
	for i := range idx {
		idx[i] = int32(r.IntN(n))
	}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		session.TouchAt(ss[idx[i&(len(idx)-1)]], now.Add(time.Duration(i)))
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		st, ss := liveStore(b, n)
		uids := make([]string, 1024)
		for i := range uids {
			uids[i] = ss[(i*977)%n].UID()
		}
		b.Run(fmt.Sprintf("live=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, ok := session.LookupOK(st, uids[i&(len(uids)-1)]); !ok {
					b.Fatal("Get missed a live session")
				}
			}
		})
		b.Run(fmt.Sprintf("live=%d/parallel", n), func(b *testing.B) {
			b.ReportAllocs()
			var g atomic.Int32
			b.RunParallel(func(pb *testing.PB) {
				i := int(g.Add(1)) * 389 // goroutines look up different uids
				for pb.Next() {
					if _, ok := session.LookupOK(st, uids[i&(len(uids)-1)]); !ok {
						b.Fatal("Get missed a live session")
					}
					i++
				}
			})
		})
		st.Close()
	}
}

// BenchmarkNew times making a session with a Factory and adding it to a
// store. "grow" adds to a store that grows from empty to b.N sessions;
// "full" adds to a store at its MaxSessions of a million, so that every
// Add also evicts the session with the earliest deadline, the steady state
// of a flood of cookieless clients.
func BenchmarkNew(b *testing.B) {
	f := session.WithTimeout(time.Hour)
	b.Run("grow", func(b *testing.B) {
		st := session.NewManager(session.Options{MaxSessions: b.N + 1})
		defer st.Close()
		uids := make([]string, b.N)
		for i := range uids {
			uids[i] = uuid.NewString()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := session.Add(st, f(uids[i])); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full=1000000", func(b *testing.B) {
		st, _ := liveStore(b, 1_000_000)
		uids := make([]string, b.N)
		for i := range uids {
			uids[i] = uuid.NewString()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := session.Add(st, f(uids[i])); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExpireMillion times the expiry of a million sessions that are
// all past their deadline, with one callback each.
//
// "scheduler" piles them up without waking the scheduler, then wakes it and
// times until the last callback has run: the scheduler's own throughput.
// "add" times adding them with Add while the scheduler expires them
// concurrently, until the last callback.
func BenchmarkExpireMillion(b *testing.B) {
	const n = 1_000_000
	for _, mode := range []string{"scheduler", "add"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				st := session.NewManager(session.Options{MaxSessions: n + 1})
				f := session.WithTimeout(1)
				ss := make([]*session.Session, n)
				var left atomic.Int32
				left.Store(n)
				done := make(chan struct{})
				cb := func() {
					if left.Add(-1) == 0 {
						close(done)
					}
				}
				for i := range ss {
					ss[i] = f(uuid.NewString())
					ss[i].NotifyOnExpire(cb)
				}
				if mode == "scheduler" {
					for _, s := range ss[1:] {
						if err := session.AddQuiet(st, s); err != nil {
							b.Fatal(err)
						}
					}
					runtime.GC()
					b.StartTimer()
					if err := session.Add(st, ss[0]); err != nil {
						b.Fatal(err)
					}
				} else {
					runtime.GC()
					b.StartTimer()
					for _, s := range ss {
						if err := session.Add(st, s); err != nil {
							b.Fatal(err)
						}
					}
				}
				<-done
				b.StopTimer()
				if st.Len() != 0 {
					b.Fatalf("Len() = %d after the last callback", st.Len())
				}
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/session")
		})
	}
}

// BenchmarkStoreMemory reports the heap bytes per live session in a
// Manager of a million sessions, including the map entry and the heap
// slot: bare (no callbacks, no components), and with one small component.
func BenchmarkStoreMemory(b *testing.B) {
	const n = 1_000_000
	uids := make([]string, n)
	for i := range uids {
		uids[i] = uuid.NewString()
	}
	for _, withComponent := range []bool{false, true} {
		name := "bare"
		if withComponent {
			name = "component"
		}
		b.Run(name, func(b *testing.B) {
			var per float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				st := session.NewManager(session.Options{})
				for _, uid := range uids {
					s := session.New(uid)
					if err := session.Add(st, s); err != nil {
						b.Fatal(err)
					}
					if withComponent {
						if err := session.Set(s, Counter{Value: 1}); err != nil {
							b.Fatal(err)
						}
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				per = float64(after.HeapAlloc-before.HeapAlloc) / n
				runtime.KeepAlive(st)
				st.Close()
			}
			b.ReportMetric(per, "bytes/session")
		})
	}
}

// A Store without a Logger logs a panicking callback through slog.Default
// instead of crashing.
func TestPanickingCallbackWithoutLogger(t *testing.T) {
	st := session.NewManager(session.Options{})
	defer st.Close()
	s := session.New(uuid.NewString())
	if err := session.Add(st, s); err != nil {
		t.Fatal(err)
	}
	ran := false
	s.NotifyOnExpire(func() { panic("callback kaboom") })
	s.NotifyOnExpire(func() { ran = true })
	s.Expire()
	if !ran {
		t.Error("the callback after a panicking one did not run")
	}
}
