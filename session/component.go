package session

import (
	"sync"
	"sync/atomic"
)

// key is the map key of the component of type T. It has no size, so
// converting it to an interface neither allocates nor needs reflection.
type key[T any] struct{}

// cell holds one component. A cell made by Component is filled by the
// first caller while later callers wait on mu; a cell made by Set is full
// from the start.
type cell[T any] struct {
	mu   sync.Mutex  // held while newT runs
	done atomic.Bool // v is set; written after v
	v    T
}

// cellFor returns the cell of type T in s, making an empty one if create
// is set. It returns nil if there is none.
func cellFor[T any](s *Session, create bool) *cell[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ext != nil {
		if c, ok := s.ext.comps[key[T]{}].(*cell[T]); ok {
			return c
		}
	}
	if !create {
		return nil
	}
	if s.ext == nil {
		s.ext = new(extra)
	}
	if s.ext.comps == nil {
		s.ext.comps = make(map[any]any)
	}
	c := new(cell[T])
	s.ext.comps[key[T]{}] = c
	return c
}

// Component returns the component of type T of s, calling newT to make it
// if s has none yet. It is the Go spelling of Twisted's ICounter(session):
// the type T names the component, and the constructor is given at the call
// site, so there is no registry. Use a pointer or a type with its own
// locking for state that requests change, since concurrent requests of one
// visitor share it:
//
//	type counter struct{ n atomic.Int64 }
//	c := session.Component(s, func() *counter { return new(counter) })
//	c.n.Add(1)
//
// Concurrent callers get the same value, and newT runs at most once per
// Session, outside the Session's lock (so it may use s, but must not ask
// for the same component type T, which would deadlock). If newT panics,
// the panic propagates and the next call tries again.
//
// Components survive expiry (expiry callbacks can read them) and
// [Store.Rename]; they go when the Session is garbage.
func Component[T any](s *Session, newT func() T) T {
	c := cellFor[T](s, true)
	if c.done.Load() {
		return c.v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done.Load() {
		c.v = newT()
		c.done.Store(true)
	}
	return c.v
}

// Get returns the component of type T of s and true, or the zero T and
// false if s has none (or its constructor is still running in
// [Component]).
func Get[T any](s *Session) (T, bool) {
	if c := cellFor[T](s, false); c != nil && c.done.Load() {
		return c.v, true
	}
	var zero T
	return zero, false
}

// Set makes v the component of type T of s, replacing any earlier one.
// Later calls of [Component] and [Get] return v.
func Set[T any](s *Session, v T) {
	c := &cell[T]{v: v}
	c.done.Store(true)
	s.mu.Lock()
	if s.ext == nil {
		s.ext = new(extra)
	}
	if s.ext.comps == nil {
		s.ext.comps = make(map[any]any)
	}
	s.ext.comps[key[T]{}] = c
	s.mu.Unlock()
}

// Delete removes the component of type T from s, if any. A later
// [Component] call makes a new one.
func Delete[T any](s *Session) {
	s.mu.Lock()
	if s.ext != nil {
		delete(s.ext.comps, key[T]{})
	}
	s.mu.Unlock()
}
