package session

import (
	"errors"
	"reflect"
	"slices"
	"sync"
)

// key is the key of the in-memory component of type T. It has no size, so
// converting it to an interface neither allocates nor needs reflection.
type key[T any] struct{}

// comp is one in-memory component: its key[T] and its *cell[T].
type comp struct {
	k any
	c any
}

// cell holds one in-memory component.
type cell[T any] struct {
	// turn is held while an Update's f runs, so that updates of the
	// component take turns. It is taken before the Session's mu, never
	// while holding it.
	turn sync.Mutex
	// v and ok are guarded by the Session's mu, not by turn: a read never
	// waits for an Update's f (an expiry callback that f's goroutine
	// runs reads the component), and an Update's change and the
	// Session's end are ordered.
	v  T
	ok bool // v is set
}

// cellLocked returns the in-memory cell of type T in s, making an empty one
// if create is set. It returns nil if there is none. s.mu must be held.
func cellLocked[T any](s *Session, create bool) *cell[T] {
	if s.ext != nil && s.ext.data != nil {
		for _, e := range s.ext.data.comps {
			if e.k == any(key[T]{}) {
				return e.c.(*cell[T])
			}
		}
	}
	if !create {
		return nil
	}
	c := new(cell[T])
	d := s.dataLocked()
	d.comps = append(d.comps, comp{key[T]{}, c})
	return c
}

// stored reports whether s is a session of a Store.
func stored(s *Session) (*Manager, bool) {
	m := s.m.Load()
	return m, m != nil && m.store != nil
}

// Component returns the component of type T of s, making it with newT the
// first time: the Go spelling of Twisted's ICounter(session), where an
// adapter is made on first use. The type T names the component and the
// constructor is given at the call site, so there is no registry.
//
// The component made is stored as [Update] stores a change, atomically:
// concurrent first calls, through any process sharing a [Store], agree on
// one value, so a random token made by newT is the same for every request
// of the session. With a nil newT, Component only reads: it returns T's
// zero value and stores nothing. Change a component with Update.
//
// The value is a copy. Use a value type made of plain data (a struct of
// numbers, strings, slices and maps of those), which a Store can encode,
// and treat slices and maps in it as read-only: Update replaces them.
//
// Components survive expiry (expiry callbacks read them as they were at
// the end; see Update) and [Manager.Renew]. With a Store, Component reads
// what this process loaded with the session (in GetSession) and its own
// updates since, without a round trip, and making a component is one; if
// storing it fails (the Store is unreachable, the session has ended),
// Component returns newT's value unstored and logs why. A stored value
// that does not decode as a T (say, after the type changed) is logged and
// treated as absent.
func Component[T any](s *Session, newT func() T) T {
	if v, ok := Get[T](s); ok || newT == nil {
		return v
	}
	var made T
	err := Update(s, newT, func(v *T) error { made = *v; return nil })
	if err != nil {
		if !errors.Is(err, ErrNotLive) {
			s.m.Load().log().Warn("session: a component made is not stored",
				"component", componentName[T](), "err", err)
		}
		return newT()
	}
	return made
}

// Get returns the component of type T of s and true, or the zero T and
// false if s has none. See [Component].
func Get[T any](s *Session) (T, bool) {
	if m, ok := stored(s); ok {
		return getStored[T](m, s)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := cellLocked[T](s, false); c != nil {
		return c.v, c.ok
	}
	var zero T
	return zero, false
}

// Update changes the component of type T of s atomically: it calls f with a
// pointer to a copy of the current value (or to newT() if s has none;
// newT may be nil for T's zero value) and, if f returns nil, stores what f
// left there. If f returns an error, nothing is stored and Update returns
// that error. Concurrent updates of one session never lose one another's
// changes, also across the processes that share a [Store]:
//
//	type Counter struct{ Value int }
//	var n int
//	err := session.Update(s, nil, func(c *Counter) error {
//		c.Value++
//		n = c.Value
//		return nil
//	})
//
// f runs holding the component's turn: the updates of one component take
// turns (with a Store, those of that session through this process, so
// that only other processes can make them conflict). So f must not
// Update or Delete the component of type T of s, which would wait for its
// own turn. Reads ([Get], [Component]) never wait for a turn: during f
// they return the value before this Update. In memory f runs once. With a
// Store f may run more than once (when another process changed the
// component first, f runs again on the new value), so it must have no
// effect but on its argument; a successful Update is then two round trips
// at most with the one that loaded the session.
//
// f may update other components of s, but such nested Updates are like
// nested locks: the outer one holds its turn while the inner one waits for
// its own. Two goroutines that nest the same two components in opposite
// orders (one updates B in its f for A, the other A in its f for B) can
// each hold the turn the other waits for, and then both wait for ever.
// Nest components in one order throughout a program (the cart always
// inside the order, say), or update them one after the other. With a
// Store, an f that runs again makes its nested Updates again.
//
// With a Store, a [Manager.Renew] of the session through this process or
// another does not end it: Update follows it to its new uid, which s then
// has (as [Session.Touch] and [Session.Expire] follow it).
//
// Update returns [ErrNotLive] if s has expired, also when it ends while f
// runs (an Expire, in f or elsewhere, its timeout, an eviction): no change
// is stored after the end, so the components keep the value they had
// then, which is what the expiry callbacks read, without waiting for an
// Update in progress. With a Store it returns an error wrapping
// [ErrUnavailable] if the Store failed, or the error of the [Codec].
func Update[T any](s *Session, newT func() T, f func(*T) error) error {
	if m, ok := stored(s); ok {
		return updateStored(m, s, newT, f)
	}
	if s.Expired() {
		return ErrNotLive
	}
	s.mu.Lock()
	c := cellLocked[T](s, true)
	s.mu.Unlock()
	c.turn.Lock()
	defer c.turn.Unlock()
	s.mu.Lock()
	v, ok, ended := c.v, c.ok, s.expired.Load()
	s.mu.Unlock()
	if ended { // while this Update waited for its turn
		return ErrNotLive
	}
	if !ok && newT != nil {
		v = newT()
	}
	if err := f(&v); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.expired.Load() {
		// Ended while f ran: the components keep their value at the
		// end, which the expiry callbacks read.
		return ErrNotLive
	}
	c.v, c.ok = v, true
	return nil
}

// Delete removes the component of type T from s, if any; a later
// [Component] returns newT() again. It returns [ErrNotLive] if s has
// expired, and with a Store an error wrapping [ErrUnavailable] if the
// Store failed.
func Delete[T any](s *Session) error {
	if m, ok := stored(s); ok {
		return deleteStored[T](m, s)
	}
	if s.Expired() {
		return ErrNotLive
	}
	s.mu.Lock()
	if s.ext != nil && s.ext.data != nil {
		d := s.ext.data
		d.comps = slices.DeleteFunc(d.comps, func(e comp) bool { return e.k == any(key[T]{}) })
	}
	s.mu.Unlock()
	return nil
}

// componentName returns the name a Store keeps the component of type T
// under: its package path and name ("example.com/shop.Cart"), or for a
// type without a name its Go syntax ("[]string").
func componentName[T any]() string {
	t := reflect.TypeFor[T]()
	if t.Name() != "" && t.PkgPath() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}
