package session_test

import (
	"strings"
	"testing"
	"time"

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
