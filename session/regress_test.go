package session_test

import (
	"testing"
	"time"

	"github.com/gotwisted/web/session"
)

// Regression tests for defects found in review.

// TestStoredNestedUpdateSameStripe: an Update whose f updates another
// component of the same session returns, also when the two components
// fall in one stripe of the Manager's update locks (an Update with a
// Store once held its stripe while f ran, and deadlocked here).
func TestStoredNestedUpdateSameStripe(t *testing.T) {
	_, m, _ := twoProcesses(t, session.New)
	var s *session.Session
	for range 10_000 {
		x, err := m.Make()
		if err != nil {
			t.Fatal(err)
		}
		if session.SameUpdateStripe[Counter, cart](m, x) {
			s = x
			break
		}
	}
	if s == nil {
		t.Fatal("no session whose Counter and cart share a stripe")
	}
	if err := m.Save(s); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- session.Update(s, nil, func(c *Counter) error {
			c.Value++
			return session.Update(s, nil, func(k *cart) error {
				k.Items = append(k.Items, "x")
				return nil
			})
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a nested Update of another component deadlocks")
	}
	got, err := m.Lookup(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	if c, k := session.Component[Counter](got, nil), session.Component[cart](got, nil); c.Value != 1 || len(k.Items) != 1 {
		t.Fatalf("after the nested updates: %+v %+v", c, k)
	}
}
