package session_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
)

// Tests of Manager.Renew with a Store: a Renew racing the session's
// other operations, and views loaded before another process renewed the
// session. Most are regression tests for defects found in review.

// slowCheckStore is a fakeStore whose Check waits before it reads, and
// says when it is called the first and the second time.
type slowCheckStore struct {
	*fakeStore
	calls     atomic.Int32
	checked   chan struct{} // closed at the first Check
	rechecked chan struct{} // closed at the second
}

func (st *slowCheckStore) Check(ctx context.Context, uid string) (*session.Record, error) {
	switch st.calls.Add(1) {
	case 1:
		close(st.checked)
	case 2:
		close(st.rechecked)
	}
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return st.fakeStore.Check(ctx, uid)
}

// TestStoredRenewDuringCheck: a Renew while the watcher checks the session
// with the Store is no data race (the race detector found the check
// reading the watch's uid, which the Renew rewrote, without the lock), and
// the callback follows the session to its new uid.
func TestStoredRenewDuringCheck(t *testing.T) {
	st := &slowCheckStore{fakeStore: newFakeStore(), checked: make(chan struct{}), rechecked: make(chan struct{})}
	m := session.NewManager(session.Options{Store: st})
	defer m.Close()
	s, err := m.Make()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(s); err != nil {
		t.Fatal(err)
	}
	ended := make(chan string, 1)
	s.NotifyOnExpire(func() { ended <- s.UID() })
	// Renew during the watcher's first check (made when its Watch
	// starts), which then finds the session renamed and checks again.
	// Nothing but the watcher's locks may order the Renew before what
	// the check does next: the test waits for the second check without
	// calling the store.
	<-st.checked
	if err := m.Renew(s); err != nil {
		t.Fatal(err)
	}
	<-st.rechecked
	uid := s.UID()
	if _, err := m.Lookup(uid); err != nil {
		t.Fatalf("the renewed session: %v", err)
	}
	// The callback follows: an Expire through another Manager runs it.
	other := session.NewManager(session.Options{Store: st})
	defer other.Close()
	x, err := other.Lookup(uid)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Expire(); err != nil {
		t.Fatal(err)
	}
	if got := <-ended; got != uid {
		t.Fatalf("the callback saw uid %s, want %s", got, uid)
	}
}

// failingCreateStore's Create waits to be released, then fails: the
// session stays made here and not stored.
type failingCreateStore struct {
	*fakeStore
	created chan struct{}
	release chan struct{}
}

func (st *failingCreateStore) Create(context.Context, *session.Record) error {
	close(st.created)
	<-st.release
	return errors.New("store down")
}

// TestStoredRenewDuringTimeoutCheck: a session not stored yet whose
// deadline passes while its first store waits, and which a Renew re-keys
// meanwhile, still ends and runs its callback. (The watcher's check ended
// the old uid, which no longer had a watch, and the session was never
// checked again.)
func TestStoredRenewDuringTimeoutCheck(t *testing.T) {
	const timeout = 300 * time.Millisecond
	st := &failingCreateStore{fakeStore: newFakeStore(), created: make(chan struct{}), release: make(chan struct{})}
	m := session.NewManager(session.Options{Store: st, Factory: session.WithTimeout(timeout)})
	defer m.Close()
	s, err := m.Make()
	if err != nil {
		t.Fatal(err)
	}
	made := time.Now()
	var ran atomic.Int32
	s.NotifyOnExpire(func() { ran.Add(1) })
	go session.Set(s, Counter{Value: 1}) // its store holds the session's store lock
	<-st.created
	// The Renew waits for that lock (to re-key the session stored or
	// not, as the store ends), first in line.
	renewed := make(chan error, 1)
	go func() { renewed <- m.Renew(s) }()
	waitOnStack(t, func() { close(st.release) }, "session.(*Manager).renewStored", "session.whilePending")
	// The deadline passes (for real: the fake store's waits do not suit
	// synctest) while the watcher's check waits for that lock too, holding
	// the uid it started with. No hook says when it got there: its
	// goroutine's stack does.
	time.Sleep(time.Until(made.Add(timeout)))
	waitOnStack(t, func() { close(st.release) }, "session.(*watcher).check", "session.whilePending")
	close(st.release)
	if err := <-renewed; err != nil && !errors.Is(err, session.ErrNotLive) {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the callback ran", func() bool { return ran.Load() > 0 })
	if n := ran.Load(); n != 1 || !s.Expired() {
		t.Fatalf("callback ran %d times; Expired %v", n, s.Expired())
	}
}

// TestStoredConcurrentRenews: two Renews at once of one watched session
// (stored, or made here and not stored yet) leave it under a uid the
// Store knows, watched under that uid. (A Renew gave the session its new
// uid, then moved its watch, and set the uid of the watch's sessions
// again after releasing the watcher's lock: a second Renew in between
// made that last write put back a uid already renamed away. The request
// then sent a cookie naming nothing, and the watch stayed behind.) The
// race is hit by chance, in most runs (every run with -race).
func TestStoredConcurrentRenews(t *testing.T) {
	m := session.NewManager(session.Options{Store: newFakeStore()})
	defer m.Close()
	const rounds = 3000
	var ran atomic.Int32
	stale := 0
	for i := range rounds {
		s, err := m.Make()
		if err != nil {
			t.Fatal(err)
		}
		pending := i%2 == 1
		if !pending {
			if err := m.Save(s); err != nil {
				t.Fatal(err)
			}
		}
		s.NotifyOnExpire(func() { ran.Add(1) })
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				// The second of two Renews of one uid in the Store
				// finds it renamed.
				if err := m.Renew(s); err != nil && !errors.Is(err, session.ErrNotLive) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if err := m.Save(s); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Lookup(s.UID()); err != nil {
			stale++
		}
		if err := s.Expire(); err != nil {
			t.Fatal(err)
		}
	}
	if stale > 0 {
		t.Errorf("%d of %d sessions have a uid the Store does not know", stale, rounds)
	}
	if n := ran.Load(); n != rounds {
		t.Errorf("%d callbacks ran, want %d", n, rounds)
	}
	if n := m.Len(); n != 0 {
		t.Errorf("Len %d after every session ended, want 0", n)
	}
}

// TestStoredRenewDuringFirstStore: a Renew of a session made here while
// its first Update stores it leaves the session under the uid it was
// stored under. (Renew saw the session not stored yet and gave it a new
// uid without the store lock, while the Update stored it under the old
// one: the request then sent a cookie naming nothing.) The race is hit by
// chance, in every run.
func TestStoredRenewDuringFirstStore(t *testing.T) {
	m := session.NewManager(session.Options{Store: newFakeStore()})
	defer m.Close()
	const rounds = 3000
	stale := 0
	failed := raceRenews(t, m, rounds, false, func(s *session.Session, _ bool) {
		if got, err := m.Lookup(s.UID()); err != nil {
			stale++
		} else if v, _ := session.Get[Counter](got); v.Value != 1 {
			t.Fatalf("the stored session's counter is %d, want 1", v.Value)
		}
	}, func(s *session.Session) error { return session.Set(s, Counter{Value: 1}) })
	if failed > 0 {
		t.Errorf("%d of %d Updates failed", failed, rounds)
	}
	if stale > 0 {
		t.Fatalf("%d of %d sessions have a uid the Store does not know", stale, rounds)
	}
}

// TestStoredUpdateDuringRenew: Updates while a Renew moves the session to
// a new uid succeed (under the new uid), whether the session was stored
// before (odd rounds) or is stored by the first Update. (An Update sent
// its change to the uid it read when it started, which the Store knew no
// more, or never knew when the Renew came before the first store, and
// reported ErrNotLive for a session that lived on.) The race is hit by
// chance, in every run.
func TestStoredUpdateDuringRenew(t *testing.T) {
	m := session.NewManager(session.Options{Store: newFakeStore()})
	defer m.Close()
	const rounds = 3000
	failed := raceRenews(t, m, rounds, true, func(s *session.Session, opFailed bool) {
		if got, err := m.Lookup(s.UID()); err != nil {
			t.Fatal(err)
		} else if v, _ := session.Get[Counter](got); !opFailed && v.Value != 1 {
			t.Fatalf("the stored session's counter is %d, want 1", v.Value)
		}
	},
		func(s *session.Session) error { return session.Set(s, Counter{Value: 1}) },
		func(s *session.Session) error { return session.Set(s, "visitor") })
	if failed > 0 {
		t.Fatalf("%d of %d Updates failed", failed, 2*rounds)
	}
}

// TestStoredTouchDuringRenew: a Touch while a Renew moves the session to a
// new uid succeeds (under the new uid), whether the session was stored
// before (odd rounds) or is stored by the Touch. (Touch loaded the uid it
// read when it started, which the Store knew no more, and reported
// ErrNotLive for a session that lived on.) The race is hit by chance, in
// most runs (every run with -race).
func TestStoredTouchDuringRenew(t *testing.T) {
	m := session.NewManager(session.Options{Store: newFakeStore()})
	defer m.Close()
	const rounds = 3000
	touch := func(s *session.Session) error { return s.Touch() }
	failed := raceRenews(t, m, rounds, true, func(s *session.Session, _ bool) {
		if _, err := m.Lookup(s.UID()); err != nil {
			t.Fatal(err)
		}
	}, touch, touch)
	if failed > 0 {
		t.Fatalf("%d of %d Touches failed", failed, 2*rounds)
	}
}

// raceRenews runs rounds times: a session is made (and stored first in
// odd rounds if storeOdd), a Renew of it races ops, each on a goroutine
// of its own, then check looks at the session, told whether an op of that
// round failed, and the session is expired. It returns how many ops
// failed in all.
func raceRenews(t *testing.T, m *session.Manager, rounds int, storeOdd bool, check func(s *session.Session, opFailed bool), ops ...func(*session.Session) error) int {
	t.Helper()
	total := 0
	for i := range rounds {
		s, err := m.Make()
		if err != nil {
			t.Fatal(err)
		}
		if storeOdd && i%2 == 1 {
			if err := m.Save(s); err != nil {
				t.Fatal(err)
			}
		}
		var failed atomic.Int32
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := m.Renew(s); err != nil {
				t.Error(err)
			}
		})
		for _, op := range ops {
			wg.Go(func() {
				if op(s) != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		check(s, failed.Load() > 0)
		if err := s.Expire(); err != nil {
			t.Fatal(err)
		}
		total += int(failed.Load())
	}
	return total
}

// TestStoredTouchAfterRenewElsewhere: a Touch through a view of the
// session loaded before another process renewed it touches the session
// under its new uid, and the view takes that uid, as the watcher's check
// and Expire make it do. A Renew's old uid still names nothing for a new
// request (Access, which a web request's GetSession calls with its
// cookie's uid): against session fixation, a request that comes with the
// old id after the Renew gets a new session; only a view loaded before
// the Renew follows it.
func TestStoredTouchAfterRenewElsewhere(t *testing.T) {
	_, a, b := twoProcesses(t, session.New)
	s, err := a.Make()
	if err != nil {
		t.Fatal(err)
	}
	if err := session.Set(s, Counter{Value: 1}); err != nil {
		t.Fatal(err)
	}
	old := s.UID()
	v, err := b.Access(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Renew(s); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Access(old); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Access of the old uid after the Renew: %v, want ErrNotFound", err)
	}
	if err := v.Touch(); err != nil {
		t.Fatalf("Touch of a view loaded before the Renew: %v", err)
	}
	if v.UID() != s.UID() {
		t.Fatalf("the view has uid %s after its Touch, want the new %s", v.UID(), s.UID())
	}
	if c, _ := session.Get[Counter](v); c.Value != 1 {
		t.Fatalf("the view's counter is %d after its Touch, want 1", c.Value)
	}
}

// TestStoredUpdateAfterRenewElsewhere: an Update through a view of the
// session loaded before another process renewed it changes the session
// under its new uid, and the view takes that uid, as Touch and Expire
// make it do: the next Update goes straight to the new uid. (The view
// kept its old uid, and every Update through it tried the old uid first,
// then asked the Store where the session went: three round trips instead
// of one.)
func TestStoredUpdateAfterRenewElsewhere(t *testing.T) {
	st, a, b := twoProcesses(t, session.New)
	s := counted(t, a)
	v := viewOf(t, b, s)
	if err := a.Renew(s); err != nil {
		t.Fatal(err)
	}
	if n := count(t, v); n != 2 {
		t.Fatalf("the counter is %d after an Update through a view loaded before the Renew, want 2", n)
	}
	if v.UID() != s.UID() {
		t.Fatalf("the view has uid %s after its Update, want the new %s", v.UID(), s.UID())
	}
	calls := st.callCount()
	if n := count(t, v); n != 3 {
		t.Fatalf("the counter is %d after a second Update, want 3", n)
	}
	if n := st.callCount() - calls; n != 1 {
		t.Fatalf("the second Update cost %d calls to the Store, want 1", n)
	}
	if got, err := a.Lookup(s.UID()); err != nil {
		t.Fatal(err)
	} else if c, _ := session.Get[Counter](got); c.Value != 3 {
		t.Fatalf("the stored counter is %d, want 3", c.Value)
	}
}
