package session_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/session"
)

// TestStoredShared: a session made through a is found through b; each
// process reads the other's changes at its next access, and a new session
// is stored by its first change (or by Save), not before.
func TestStoredShared(t *testing.T) {
	st, a, b := twoProcesses(t, session.New)
	s, err := a.Make()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lookup(s.UID()); !errors.Is(err, session.ErrNotFound) || st.callCount() != 1 {
		t.Fatalf("a new session is stored before its first change: %v, %d calls", err, st.callCount())
	}
	if n := count(t, s); n != 1 || st.callCount() != 2 {
		t.Fatalf("first count %d in %d calls", n, st.callCount())
	}
	for i := 2; i <= 5; i++ {
		m := []*session.Manager{a, b}[i%2]
		got, err := m.Access(s.UID())
		if err != nil {
			t.Fatal(err)
		}
		if v := session.Component[Counter](got, nil).Value; v != i-1 {
			t.Fatalf("access %d reads %d", i, v)
		}
		if n := count(t, got); n != i {
			t.Fatalf("count %d: %d", i, n)
		}
	}
	if err := a.Save(s); err != nil {
		t.Fatal(err)
	}
	// Save stores a session without changes.
	s2, _ := b.Make()
	if err := b.Save(s2); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(s2.UID()); err != nil {
		t.Fatalf("a saved session is not found: %v", err)
	}
	if _, err := a.Lookup("garbage"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Lookup(garbage): %v", err)
	}
	if a.Len() != 0 {
		t.Fatalf("Len %d without callbacks", a.Len())
	}
}

// TestStoredConcurrentUpdates: concurrent updates through two processes
// lose nothing.
func TestStoredConcurrentUpdates(t *testing.T) {
	_, a, b := twoProcesses(t, session.New)
	s, _ := a.Make()
	count(t, s)
	var wg sync.WaitGroup
	for i := range 20 {
		m := []*session.Manager{a, b}[i%2]
		wg.Go(func() {
			got, err := m.Access(s.UID())
			if err != nil {
				t.Error(err)
				return
			}
			for range 10 {
				if err := session.Update(got, nil, func(c *Counter) error { c.Value++; return nil }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, _ := b.Access(s.UID())
	if v := session.Component[Counter](got, nil).Value; v != 201 {
		t.Fatalf("counter %d after 201 increments", v)
	}
	if err := session.Delete[Counter](got); err != nil {
		t.Fatal(err)
	}
	if _, ok := session.Get[Counter](got); ok {
		t.Fatal("Get after Delete found the component")
	}
	if again, _ := a.Access(s.UID()); session.Component[Counter](again, nil).Value != 0 {
		t.Fatal("Delete did not reach the store")
	}
}

// TestStoredCallbacks: a callback registered through a runs once, on a,
// when the session ends: after touches through b, at its real deadline;
// after an Expire through b; after a Renew through b, under the new uid.
// It reads the components as they were at the end.
func TestStoredCallbacks(t *testing.T) {
	for _, how := range []string{"timeout", "expire", "renew"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, a, b := twoProcesses(t, session.WithTimeout(time.Minute))
				s, _ := a.Make()
				count(t, s)
				var mu sync.Mutex // the callback runs on a's watcher goroutine
				var ran []string
				var at time.Time
				s.NotifyOnExpire(func() {
					mu.Lock()
					defer mu.Unlock()
					ran = append(ran, s.UID()+" "+string(rune('0'+session.Component[Counter](s, nil).Value)))
					at = time.Now()
				})
				callbacks := func() ([]string, time.Time) {
					mu.Lock()
					defer mu.Unlock()
					return ran, at
				}
				if a.Len() != 1 {
					t.Fatalf("a watches %d sessions", a.Len())
				}
				uid := s.UID()
				// b keeps the session alive past a's first deadline.
				var last time.Time
				for range 4 {
					time.Sleep(40 * time.Second)
					got, err := b.Access(uid)
					if err != nil {
						t.Fatal(err)
					}
					count(t, got)
					last = time.Now()
					synctest.Wait()
					if ran, _ := callbacks(); len(ran) != 0 {
						t.Fatalf("the callback ran while b used the session: %q", ran)
					}
				}
				want := uid + " 5"
				switch how {
				case "timeout":
					time.Sleep(2 * time.Minute)
					synctest.Wait()
					if _, at := callbacks(); at.Before(last.Add(time.Minute)) || at.After(last.Add(time.Minute+time.Second)) {
						t.Fatalf("the callback ran %v after the last touch", at.Sub(last))
					}
				case "expire":
					got, _ := b.Lookup(uid)
					if err := got.Expire(); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				case "renew":
					got, _ := b.Lookup(uid)
					if err := b.Renew(got); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
					if s.UID() != got.UID() || s.UID() == uid {
						t.Fatalf("a's session has uid %s, want the new %s", s.UID(), got.UID())
					}
					want = got.UID() + " 5"
					if err := got.Expire(); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				if ran, _ := callbacks(); len(ran) != 1 || ran[0] != want {
					t.Fatalf("callbacks %q, want [%s]", ran, want)
				}
				if !s.Expired() || a.Len() != 0 {
					t.Fatalf("after the end: Expired %v, a watches %d", s.Expired(), a.Len())
				}
			})
		})
	}
}

// TestStoredUnavailable: while the store is down, every call that needs it
// fails with ErrUnavailable, and no callback runs, not even past the
// deadline; when it is back, the end is confirmed and the callback runs,
// with the last process's data gone if the store lost it.
func TestStoredUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logBuf bytes.Buffer
		var logMu sync.Mutex
		st := newFakeStore()
		a := session.NewManager(session.Options{
			Factory: session.WithTimeout(time.Minute),
			Store:   st,
			Logger:  slog.New(slog.NewTextHandler(&lockedWriter{w: &logBuf, mu: &logMu}, nil)),
		})
		defer a.Close()
		s, _ := a.Make()
		count(t, s)
		var ran atomic.Int32
		s.NotifyOnExpire(func() { ran.Add(1) })
		st.setDown(true)

		if _, err := a.Access(s.UID()); !errors.Is(err, session.ErrUnavailable) {
			t.Errorf("Access: %v", err)
		}
		fresh, _ := a.Make()
		checks := []struct {
			name string
			err  error
		}{
			{"Lookup", func() error { _, err := a.Lookup(s.UID()); return err }()},
			{"Touch", s.Touch()},
			{"Update", session.Update(s, nil, func(*Counter) error { return nil })},
			{"Delete", session.Delete[Counter](s)},
			{"Renew", a.Renew(s)},
			{"Save", a.Save(fresh)},
			{"Expire", s.Expire()},
		}
		for _, c := range checks {
			if !errors.Is(c.err, session.ErrUnavailable) {
				t.Errorf("%s while down: %v, want ErrUnavailable", c.name, c.err)
			}
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if ran.Load() != 0 || s.Expired() {
			t.Fatal("the callback ran while the store could not confirm the end")
		}
		logMu.Lock()
		logged := logBuf.String()
		logMu.Unlock()
		if strings.Count(logged, "cannot confirm") != 1 {
			t.Fatalf("log:\n%s", logged)
		}
		st.setDown(false)
		synctest.Wait()
		if ran.Load() != 1 {
			t.Fatalf("the callback ran %d times after the store came back", ran.Load())
		}
	})
}

// TestStoredPending: a session made and never stored ends, renews and
// takes callbacks without the store; one made and renewed is stored under
// its new uid.
func TestStoredPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, a, b := twoProcesses(t, session.New)
		s, _ := a.Make()
		n := 0
		s.NotifyOnExpire(func() { n++ })
		time.Sleep(10 * time.Second) // the watcher checks: not stored yet, not ended
		synctest.Wait()
		if n != 0 {
			t.Fatal("a pending session's callback ran")
		}
		old := s.UID()
		if err := a.Renew(s); err != nil || s.UID() == old {
			t.Fatalf("Renew: %v, uid %s", err, s.UID())
		}
		if err := s.Touch(); err != nil { // stores it
			t.Fatal(err)
		}
		if _, err := b.Lookup(s.UID()); err != nil {
			t.Fatalf("the touched session is not stored: %v", err)
		}
		calls := st.callCount()
		p, _ := a.Make()
		m := 0
		p.NotifyOnExpire(func() { m++ })
		if err := p.Expire(); err != nil || m != 1 || st.callCount() != calls {
			t.Fatalf("Expire of a pending session: %v, %d callbacks, %d calls", err, m, st.callCount()-calls)
		}
		if err := session.Update(p, nil, func(*Counter) error { return nil }); !errors.Is(err, session.ErrNotLive) {
			t.Fatalf("Update after Expire: %v", err)
		}
		if err := a.Renew(p); !errors.Is(err, session.ErrNotLive) {
			t.Fatalf("Renew after Expire: %v", err)
		}
		if err := p.Touch(); !errors.Is(err, session.ErrNotLive) {
			t.Fatalf("Touch after Expire: %v", err)
		}
	})
}

// TestStoredUndecodable: a stored component that does not decode as its
// type reads as absent, is logged, and is overwritten by an Update.
func TestStoredUndecodable(t *testing.T) {
	st, a, _ := twoProcesses(t, session.New)
	s, _ := a.Make()
	count(t, s)
	st.mu.Lock()
	for _, r := range st.recs {
		for k := range r.comps {
			r.comps[k] = []byte("not gob")
		}
	}
	st.mu.Unlock()
	got, err := a.Access(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := session.Get[Counter](got); ok {
		t.Fatal("an undecodable component was found")
	}
	if n := count(t, got); n != 1 {
		t.Fatalf("Update over an undecodable component counted %d", n)
	}
}

// TestStoredClose: Close stops the watcher's goroutines and drops its
// callbacks; the sessions stay in the store.
func TestStoredClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newFakeStore()
		a := session.NewManager(session.Options{Store: st, Factory: session.WithTimeout(time.Minute)})
		s, _ := a.Make()
		count(t, s)
		ran := false
		s.NotifyOnExpire(func() { ran = true })
		a.Close()
		a.Close()
		time.Sleep(time.Hour)
		synctest.Wait()
		if ran {
			t.Fatal("a callback ran after Close")
		}
		if _, err := a.Make(); !errors.Is(err, session.ErrClosed) {
			t.Fatalf("Make after Close: %v", err)
		}
		if err := a.Renew(s); !errors.Is(err, session.ErrClosed) {
			t.Fatalf("Renew after Close: %v", err)
		}
		if _, ok := st.recs[s.UID()]; !ok {
			t.Fatal("Close removed the session from the store")
		}
	})
}

// TestStoredComponentMadeOnce: concurrent first Component calls through two
// processes agree on one value, which both then read.
func TestStoredComponentMadeOnce(t *testing.T) {
	_, a, b := twoProcesses(t, session.New)
	s, _ := a.Make()
	if err := a.Save(s); err != nil {
		t.Fatal(err)
	}
	type token string
	var made atomic.Int32
	got := make([]token, 20)
	var wg sync.WaitGroup
	for i := range got {
		m := []*session.Manager{a, b}[i%2]
		wg.Go(func() {
			v, err := m.Access(s.UID())
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = session.Component(v, func() token { return token(rune('a' + made.Add(1))) })
		})
	}
	wg.Wait()
	for i, v := range got {
		if v != got[0] || v == "" {
			t.Fatalf("caller %d got %q, caller 0 %q", i, v, got[0])
		}
	}
	again, _ := b.Access(s.UID())
	if v := session.Component[token](again, nil); v != got[0] {
		t.Fatalf("read back %q, want %q", v, got[0])
	}
}

// TestStoredNeverStored: a session made while the store is down, with a
// callback, is never stored; its callback runs at its deadline, and it
// leaves the watch.
func TestStoredNeverStored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, a, _ := twoProcesses(t, session.WithTimeout(time.Minute))
		st.setDown(true)
		s, _ := a.Make()
		var ran atomic.Int32
		s.NotifyOnExpire(func() { ran.Add(1) })
		if err := a.Save(s); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Save while down: %v", err)
		}
		time.Sleep(time.Minute - time.Second)
		synctest.Wait()
		if ran.Load() != 0 {
			t.Fatal("the callback ran before the deadline")
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if ran.Load() != 1 || a.Len() != 0 {
			t.Fatalf("after the deadline: %d callbacks, %d watched", ran.Load(), a.Len())
		}
	})
}
