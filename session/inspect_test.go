package session_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/internal/sessionhook"
	"github.com/gotwisted/web/session"
)

// endings keeps what a Manager tells the inspector of its sessions' ends.
type endings struct {
	mu   sync.Mutex
	list []sessionhook.Ending
}

func watch(t *testing.T, m *session.Manager) *endings {
	h := sessionhook.Of(m)
	if h == nil {
		t.Fatal("a Manager has no hook")
	}
	e := new(endings)
	sessionhook.Watch(h, func(end sessionhook.Ending) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.list = append(e.list, end)
	})
	return e
}

// got returns "uid why callbacks components" for each ending so far.
func (e *endings) got() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, x := range e.list {
		out = append(out, fmt.Sprintf("%s %s %d %s", x.UID, x.Why, x.Callbacks, strings.Join(x.Components, ",")))
	}
	return out
}

func made(t *testing.T, m *session.Manager, callbacks int) *session.Session {
	t.Helper()
	s, err := m.Make()
	if err != nil {
		t.Fatal(err)
	}
	count(t, s)
	for range callbacks {
		s.NotifyOnExpire(func() {})
	}
	return s
}

// TestInspectorEndingsInMemory: the inspector hears of every way an
// in-memory session ends, with the callbacks that ran and its components;
// a live session's waiting callbacks and components are read the same way.
func TestInspectorEndingsInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := session.NewManager(session.Options{Factory: session.WithLifetime(time.Minute, 90*time.Second), MaxSessions: 3})
		defer m.Close()
		e := watch(t, m)

		idle := made(t, m, 2)
		st := sessionhook.StatsOf(sessionhook.Of(m), idle)
		if st.Callbacks != 2 || !slices.Equal(st.Components, []string{"session_test.Counter"}) {
			t.Errorf("a live session's stats: %+v", st)
		}
		lived := made(t, m, 1)
		for range 2 {
			time.Sleep(30 * time.Second)
			if _, err := m.Access(lived.UID()); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(30 * time.Second)
		synctest.Wait() // idle: a minute without a visit; lived: 90 s after it was made
		gone := made(t, m, 0)
		if err := gone.Expire(); err != nil {
			t.Fatal(err)
		}
		first := made(t, m, 1)
		time.Sleep(time.Second)
		made(t, m, 0)
		made(t, m, 0)
		made(t, m, 0) // the fourth of three: first, the earliest never used again, goes
		want := []string{
			idle.UID() + " timeout 2 session_test.Counter",
			lived.UID() + " lifetime 1 session_test.Counter",
			gone.UID() + " Expire 0 session_test.Counter",
			first.UID() + " evicted 1 session_test.Counter",
		}
		if got := e.got(); !slices.Equal(got, want) {
			t.Errorf("endings:\n%q\nwant:\n%q", got, want)
		}
	})
}

// TestInspectorEndingsShared: with a shared Store, a process hears of the
// end of the sessions whose callbacks it holds: ended here, or found ended
// in the Store.
func TestInspectorEndingsShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := twoProcesses(t, session.WithTimeout(time.Minute))
		ea, eb := watch(t, a), watch(t, b)
		here := made(t, a, 1)
		there := made(t, a, 2)
		if err := here.Expire(); err != nil {
			t.Fatal(err)
		}
		other, err := b.Lookup(there.UID())
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Expire(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		timedOut := made(t, a, 1)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		want := []string{
			here.UID() + " Expire 1 session_test.Counter",
			there.UID() + " ended in the shared store 2 session_test.Counter",
			timedOut.UID() + " ended in the shared store 1 session_test.Counter",
		}
		if got := ea.got(); !slices.Equal(got, want) {
			t.Errorf("a's endings:\n%q\nwant:\n%q", got, want)
		}
		// b held no callbacks of there's: its Expire is heard as one that
		// ran none.
		if got, want := eb.got(), []string{there.UID() + " Expire 0 session_test.Counter"}; !slices.Equal(got, want) {
			t.Errorf("b's endings: %q, want %q", got, want)
		}
	})
}

// TestInspectorOneEndingAtDeadline: a session that Expire ends just as the
// scheduler finds it due is reported to the inspector once, by whichever
// ended it, and its callback runs once. (The scheduler took a session that
// an Expire had marked but not yet taken out of the heap, and reported it
// a second time.) The race is hit by chance: many sessions come due at one
// instant while other goroutines expire them, round after round, which
// hits it in nearly every run.
func TestInspectorOneEndingAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rounds, n, expirers = 50, 1000, 8
		m := session.NewManager(session.Options{Factory: session.WithTimeout(time.Minute)})
		defer m.Close()
		e := watch(t, m)
		var sessions []*session.Session
		var ran atomic.Int32
		for range rounds {
			round := make([]*session.Session, n)
			for i := range round {
				s, err := m.Make()
				if err != nil {
					t.Fatal(err)
				}
				s.NotifyOnExpire(func() { ran.Add(1) })
				round[i] = s
			}
			time.Sleep(time.Minute) // the deadline: the scheduler wakes too
			var wg sync.WaitGroup
			for g := range expirers {
				wg.Go(func() {
					for i := g; i < n; i += expirers {
						round[i].Expire()
					}
				})
			}
			wg.Wait()
			synctest.Wait() // the scheduler is done too
			sessions = append(sessions, round...)
		}
		if got := ran.Load(); got != rounds*n {
			t.Errorf("%d callbacks ran, want %d", got, rounds*n)
		}
		seen := make(map[string]int)
		for _, x := range e.got() {
			uid, _, _ := strings.Cut(x, " ")
			seen[uid]++
		}
		twice := 0
		for _, s := range sessions {
			switch seen[s.UID()] {
			case 0:
				t.Errorf("session %s: no ending reported", s.UID())
			case 1:
			default:
				twice++
			}
		}
		if twice > 0 {
			t.Errorf("%d of %d sessions reported more than once", twice, len(sessions))
		}
	})
}

// blockingExpireStore is a fakeStore whose Expire says it was called and
// waits until released before it goes on.
type blockingExpireStore struct {
	*fakeStore
	called  chan struct{}
	release chan struct{}
}

func (st *blockingExpireStore) Expire(ctx context.Context, uid string) (*session.Record, error) {
	close(st.called)
	<-st.release
	return st.fakeStore.Expire(ctx, uid)
}

// TestInspectorOneEndingAtDeadlineShared: with a Store, a session whose
// Expire is on its way to the Store when the watcher finds it timed out
// there is reported once, by the watcher, which ran its callback; the
// Expire, which finds it over, reports nothing more. (The Expire reported
// the end a second time, with no callback run.)
func TestInspectorOneEndingAtDeadlineShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &blockingExpireStore{fakeStore: newFakeStore(), called: make(chan struct{}), release: make(chan struct{})}
		m := session.NewManager(session.Options{Store: st, Factory: session.WithTimeout(time.Minute)})
		defer m.Close()
		e := watch(t, m)
		s := made(t, m, 1)
		expired := make(chan error, 1)
		go func() { expired <- s.Expire() }()
		<-st.called
		time.Sleep(2 * time.Minute) // the watcher finds it ended in the Store
		synctest.Wait()
		close(st.release)
		if err := <-expired; err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		want := []string{s.UID() + " ended in the shared store 1 session_test.Counter"}
		if got := e.got(); !slices.Equal(got, want) {
			t.Errorf("endings:\n%q\nwant:\n%q", got, want)
		}
	})
}
