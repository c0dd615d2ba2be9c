package session_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/gotwisted/web/session"
)

type cart struct {
	items []string
}

func TestComponentOnceConcurrent(t *testing.T) {
	s := session.New(uuid.NewString())
	var made atomic.Int32
	start := make(chan struct{})
	got := make([]*cart, 50)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			<-start
			got[i] = session.Component(s, func() *cart {
				made.Add(1)
				return new(cart)
			})
		})
	}
	close(start)
	wg.Wait()
	if made.Load() != 1 {
		t.Errorf("newT ran %d times, want 1", made.Load())
	}
	for i, c := range got {
		if c == nil || c != got[0] {
			t.Fatalf("caller %d got %p, caller 0 got %p", i, c, got[0])
		}
	}
}

func TestComponentGetSetDelete(t *testing.T) {
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
		{"component", "alice", "alice", true},
		{"component", "bob", "alice", true}, // already made: newT not called
		{"set", "carol", "carol", true},
		{"component", "dave", "carol", true},
		{"delete", "", "", false},
		{"delete", "", "", false},
		{"component", "erin", "erin", true},
	}
	for i, st := range steps {
		switch st.op {
		case "component":
			if got := session.Component(s, func() name { return st.arg }); got != st.wantName {
				t.Errorf("step %d: Component = %q, want %q", i, got, st.wantName)
			}
		case "set":
			session.Set(s, st.arg)
		case "delete":
			session.Delete[name](s)
		}
		if got, ok := session.Get[name](s); got != st.wantName || ok != st.wantOK {
			t.Errorf("step %d (%s): Get = %q, %v; want %q, %v", i, st.op, got, ok, st.wantName, st.wantOK)
		}
		if _, ok := session.Get[nick](s); ok {
			t.Errorf("step %d: Get[nick] found a component", i)
		}
	}
}

func TestComponentNewTMayUseSession(t *testing.T) {
	s := session.New(uuid.NewString())
	type inner int
	type outer struct{ uid string }
	o := session.Component(s, func() outer {
		session.Component(s, func() inner { return 7 })
		s.Touch()
		return outer{uid: s.UID()}
	})
	if o.uid != s.UID() {
		t.Errorf("outer.uid = %q, want %q", o.uid, s.UID())
	}
	if v, ok := session.Get[inner](s); !ok || v != 7 {
		t.Errorf("Get[inner] = %v, %v; want 7, true", v, ok)
	}
}

func TestComponentPanicRetries(t *testing.T) {
	s := session.New(uuid.NewString())
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in newT did not propagate")
			}
		}()
		session.Component(s, func() int { panic("no") })
	}()
	if _, ok := session.Get[int](s); ok {
		t.Error("Get found a component whose constructor panicked")
	}
	if got := session.Component(s, func() int { return 2 }); got != 2 {
		t.Errorf("Component after a panic = %d, want 2", got)
	}
}

func TestComponentSurvivesExpiry(t *testing.T) {
	st := newStore(t, session.StoreOptions{})
	s := add(t, st, session.New)
	c := session.Component(s, func() *cart { return &cart{items: []string{"book"}} })
	s.NotifyOnExpire(func() {
		if got, ok := session.Get[*cart](s); !ok || got != c {
			t.Error("component gone inside the expiry callback")
		}
	})
	s.Expire()
}

func TestComponentGetAllocs(t *testing.T) {
	s := session.New(uuid.NewString())
	session.Component(s, func() *cart { return new(cart) })
	n := testing.AllocsPerRun(100, func() {
		session.Component(s, func() *cart { return new(cart) })
		session.Get[*cart](s)
	})
	if n != 0 {
		t.Errorf("Component and Get of an existing component allocate %v times, want 0", n)
	}
}

func BenchmarkComponent(b *testing.B) {
	s := session.New(uuid.NewString())
	newCart := func() *cart { return new(cart) }
	session.Component(s, newCart)
	b.ReportAllocs()
	for b.Loop() {
		session.Component(s, newCart)
	}
}
