package session_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/gotwisted/web/session"
)

type cart struct {
	Items []string
}

func TestComponentUpdateDelete(t *testing.T) {
	type name string
	type nick string // same underlying type, a different component
	s := session.New(uuid.NewString())
	steps := []struct {
		op       string
		arg      name
		wantName name
		wantOK   bool
	}{
		{"get", "", "", false},
		{"component", "alice", "alice", true}, // made and stored
		{"component", "bob", "alice", true},   // already made: newT not called
		{"set", "carol", "carol", true},
		{"component", "dave", "carol", true},
		{"append", "!", "carol!", true},
		{"delete", "", "", false},
		{"delete", "", "", false},
		{"append", "x", "x", true}, // from the zero value: newT is nil
		{"fail", "y", "x", true},   // f's error: nothing stored
	}
	for i, st := range steps {
		var err error
		switch st.op {
		case "component":
			if got := session.Component(s, func() name { return st.arg }); got != st.wantName {
				t.Errorf("step %d: Component = %q, want %q", i, got, st.wantName)
			}
		case "set":
			err = session.Set(s, st.arg)
		case "append":
			err = session.Update(s, nil, func(n *name) error { *n += st.arg; return nil })
		case "fail":
			boom := errors.New("boom")
			err = session.Update(s, nil, func(n *name) error { *n = st.arg; return boom })
			if err != boom {
				t.Errorf("step %d: Update = %v, want f's error", i, err)
			}
			err = nil
		case "delete":
			err = session.Delete[name](s)
		}
		if err != nil {
			t.Errorf("step %d (%s): %v", i, st.op, err)
		}
		if got, ok := session.Get[name](s); got != st.wantName || ok != st.wantOK {
			t.Errorf("step %d (%s): Get = %q, %v; want %q, %v", i, st.op, got, ok, st.wantName, st.wantOK)
		}
		if _, ok := session.Get[nick](s); ok {
			t.Errorf("step %d: Get[nick] found a component", i)
		}
	}
}

// TestUpdateConcurrent increments one counter from many goroutines: no
// increment is lost.
func TestUpdateConcurrent(t *testing.T) {
	s := session.New(uuid.NewString())
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				if err := session.Update(s, nil, func(c *Counter) error { c.Value++; return nil }); err != nil {
					t.Error(err)
				}
				_ = session.Component[Counter](s, nil)
			}
		})
	}
	wg.Wait()
	if got := session.Component[Counter](s, nil).Value; got != 1000 {
		t.Errorf("counter = %d after 1000 increments", got)
	}
}

// TestComponentOnce: concurrent first calls of Component make the
// component once and all return it.
func TestComponentOnce(t *testing.T) {
	s := session.New(uuid.NewString())
	var made atomic.Int32
	got := make([]Counter, 50)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			got[i] = session.Component(s, func() Counter { return Counter{Value: int(made.Add(1))} })
		})
	}
	wg.Wait()
	if made.Load() != 1 {
		t.Errorf("newT ran %d times, want 1", made.Load())
	}
	for i, c := range got {
		if c != got[0] {
			t.Fatalf("caller %d got %v, caller 0 %v", i, c, got[0])
		}
	}
	if c := session.Component[Counter](s, nil); c != got[0] {
		t.Fatalf("a read with no constructor got %v, want %v", c, got[0])
	}
	type absent int
	if v := session.Component[absent](s, nil); v != 0 {
		t.Fatalf("Component with no constructor made %v", v)
	}
	if _, ok := session.Get[absent](s); ok {
		t.Fatal("Component with no constructor stored a value")
	}
}

func TestUpdateNewTMayUseSession(t *testing.T) {
	s := session.New(uuid.NewString())
	type inner int
	type outer struct{ uid string }
	err := session.Update(s, func() outer {
		if err := session.Set(s, inner(7)); err != nil {
			t.Error(err)
		}
		s.Touch()
		return outer{uid: s.UID()}
	}, func(*outer) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if o := session.Component[outer](s, nil); o.uid != s.UID() {
		t.Errorf("outer.uid = %q, want %q", o.uid, s.UID())
	}
	if v, ok := session.Get[inner](s); !ok || v != 7 {
		t.Errorf("Get[inner] = %v, %v; want 7, true", v, ok)
	}
}

func TestComponentSurvivesExpiry(t *testing.T) {
	st := newStore(t, session.Options{})
	s := add(t, st, session.New)
	if err := session.Set(s, cart{Items: []string{"book"}}); err != nil {
		t.Fatal(err)
	}
	s.NotifyOnExpire(func() {
		if got, ok := session.Get[cart](s); !ok || len(got.Items) != 1 {
			t.Error("component gone inside the expiry callback")
		}
	})
	s.Expire()
	if got, ok := session.Get[cart](s); !ok || len(got.Items) != 1 {
		t.Error("component gone after expiry")
	}
	if err := session.Set(s, cart{}); err != session.ErrNotLive {
		t.Errorf("Update after expiry: %v, want ErrNotLive", err)
	}
	if err := session.Delete[cart](s); err != session.ErrNotLive {
		t.Errorf("Delete after expiry: %v, want ErrNotLive", err)
	}
}

func TestComponentGetAllocs(t *testing.T) {
	s := session.New(uuid.NewString())
	if err := session.Set(s, Counter{Value: 1}); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		session.Component[Counter](s, nil)
		session.Get[Counter](s)
	})
	if n != 0 {
		t.Errorf("Component and Get of an existing component allocate %v times, want 0", n)
	}
}

func BenchmarkComponent(b *testing.B) {
	s := session.New(uuid.NewString())
	if err := session.Set(s, Counter{Value: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		session.Component[Counter](s, nil)
	}
}

func BenchmarkUpdate(b *testing.B) {
	s := session.New(uuid.NewString())
	b.ReportAllocs()
	for b.Loop() {
		if err := session.Update(s, nil, func(c *Counter) error { c.Value++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
