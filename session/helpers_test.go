package session_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
)

// Helpers shared by several of this package's test files.

// onStack reports whether a goroutine has all of funcs on its stack.
func onStack(funcs ...string) bool {
stacks:
	for g := range strings.SplitSeq(testutil.Stacks(), "\n\n") {
		for _, f := range funcs {
			if !strings.Contains(g, f+"(") {
				continue stacks
			}
		}
		return true
	}
	return false
}

// waitOnStack waits until a goroutine has all of funcs on its stack, and
// fails (after calling cleanup) if none does within a generous time.
func waitOnStack(t *testing.T, cleanup func(), funcs ...string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !onStack(funcs...); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			cleanup()
			t.Fatalf("no goroutine reached %v", funcs)
		}
	}
}

// counted makes a session through m, stored with its counter at 1.
func counted(t *testing.T, m *session.Manager) *session.Session {
	t.Helper()
	s, err := m.Make()
	if err != nil {
		t.Fatal(err)
	}
	count(t, s)
	return s
}

// viewOf returns m's view of s, as a request with its cookie gets it.
func viewOf(t *testing.T, m *session.Manager, s *session.Session) *session.Session {
	t.Helper()
	v, err := m.Access(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// twoProcesses returns two Managers sharing one fakeStore, as two
// processes sharing Redis, closed when the test ends.
func twoProcesses(t *testing.T, f session.Factory) (*fakeStore, *session.Manager, *session.Manager) {
	st := newFakeStore()
	a := session.NewManager(session.Options{Factory: f, Store: st})
	b := session.NewManager(session.Options{Factory: f, Store: st})
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	return st, a, b
}

func count(t *testing.T, s *session.Session) int {
	t.Helper()
	var n int
	if err := session.Update(s, nil, func(c *Counter) error { c.Value++; n = c.Value; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// mustPanic runs f and fails unless it panics with a message that starts
// with "session: ".
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: did not panic", name)
			return
		}
		if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "session: ") {
			t.Errorf("%s: panic %v, want a string starting with %q", name, r, "session: ")
		}
	}()
	f()
}

// newStore returns a store that is closed when the test ends.
func newStore(t *testing.T, opts session.Options) *session.Manager {
	st := session.NewManager(opts)
	t.Cleanup(st.Close)
	return st
}

// add makes a session with f and adds it to st.
func add(t *testing.T, st *session.Manager, f session.Factory) *session.Session {
	t.Helper()
	s := f(uuid.NewString())
	if err := session.Add(st, s); err != nil {
		t.Fatalf("Add: %v", err)
	}
	return s
}
