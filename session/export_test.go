package session

import (
	"fmt"
	"time"
)

// TouchAt records an access of s at t, as a Manager's Access does with its
// clock's reading.
func TouchAt(s *Session, t time.Time) { s.touch(t.UnixNano()) }

// TouchIfLive touches s at t if it is live at t, and reports whether it
// was.
func TouchIfLive(s *Session, t time.Time) bool { return s.touchIfLive(t.UnixNano()) }

// Add adds s, made by a Factory, to m, an in-memory Manager.
func Add(m *Manager, s *Session) error { return m.mem.add(s, true) }

// AddQuiet adds s to m without starting or waking the scheduler, so that
// benchmarks can pile up due sessions before the scheduler sees them. The
// next Add starts (or wakes) it.
func AddQuiet(m *Manager, s *Session) error { return m.mem.add(s, false) }

// Rename gives s, a live session of m, the uid. It panics if uid is not a
// canonical UUID.
func Rename(m *Manager, s *Session, uid string) error {
	id, ok := parseUID(uid)
	if !ok {
		panic(fmt.Sprintf("session: uid %q is not a canonical UUID", uid))
	}
	return m.mem.rename(s, id)
}

// LookupOK is Lookup, reporting a session found.
func LookupOK(m *Manager, uid string) (*Session, bool) {
	s, err := m.Lookup(uid)
	return s, err == nil
}

// Set makes v the component of type T of s.
func Set[T any](s *Session, v T) error {
	return Update(s, nil, func(p *T) error { *p = v; return nil })
}

// HeapLen returns the number of sessions in m's expiry heap.
func HeapLen(m *Manager) int {
	m.mem.mu.RLock()
	defer m.mem.mu.RUnlock()
	return len(m.mem.h)
}

// SameUpdateStripe reports whether updates of the components of types T
// and U of s fall in one shard of m's update locks (once, one lock).
func SameUpdateStripe[T, U any](m *Manager, s *Session) bool {
	return m.updates.stripe(s.UID(), componentName[T]()) == m.updates.stripe(s.UID(), componentName[U]())
}

// HoldWatcher takes the lock of m's watcher (with a Store) and returns
// the func that releases it, so that a test can stop an ending session
// just before its callbacks run.
func HoldWatcher(m *Manager) (release func()) {
	m.w.mu.Lock()
	return m.w.mu.Unlock
}
