package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
)

// This file holds the components of a session kept in a Store: Get reads
// them from the Session's view, decoded once and cached; Update and Delete
// change them in the Store by a compare-and-set of their bytes, retried
// after a conflict, and updates of one component through this process
// take turns (updateLocks), so that only other processes make them
// conflict.

// componentLocked returns the decoded component name of s's view, decoding and
// caching it on first use. s.mu must be held.
func componentLocked[T any](m *Manager, s *Session, name string) (T, bool) {
	var zero T
	v := s.viewLocked()
	if x, ok := v.cache[name]; ok {
		if t, ok := x.(T); ok {
			return t, true
		}
	}
	data, ok := v.data[name]
	if !ok {
		return zero, false
	}
	var t T
	if err := m.codec.Unmarshal(data, &t); err != nil {
		m.log().Warn("session: a stored component does not decode; read as absent",
			"component", name, "err", err)
		return zero, false
	}
	if v.cache == nil {
		v.cache = make(map[string]any)
	}
	v.cache[name] = t
	return t, true
}

func getStored[T any](m *Manager, s *Session) (T, bool) {
	name := componentName[T]()
	s.mu.Lock()
	defer s.mu.Unlock()
	return componentLocked[T](m, s, name)
}

// setLocked records in s's view that component name is data (absent if
// nil), decoded as t if known.
func setLocked(s *Session, name string, data []byte, t any, known bool) {
	v := s.viewLocked()
	delete(v.cache, name)
	if data == nil {
		delete(v.data, name)
		return
	}
	v.data[name] = data
	if known {
		if v.cache == nil {
			v.cache = make(map[string]any)
		}
		v.cache[name] = t
	}
}

// updateStored is Update with a Store.
func updateStored[T any](m *Manager, s *Session, newT func() T, f func(*T) error) error {
	return casStored(m, s, func(cur T, ok bool) (T, bool, error) {
		v := cur
		if !ok && newT != nil {
			v = newT()
		}
		return v, false, f(&v)
	})
}

// deleteStored is Delete with a Store.
func deleteStored[T any](m *Manager, s *Session) error {
	return casStored(m, s, func(T, bool) (T, bool, error) {
		var zero T
		return zero, true, nil
	})
}

// casStored changes the component of type T of s in the Store to what
// change makes of its current value (or removes it, if change says del),
// by a compare-and-set of its bytes, retried from the Store's value after
// a conflict. A value that does not decode reads as absent (ok false) and
// is overwritten.
func casStored[T any](m *Manager, s *Session, change func(cur T, ok bool) (v T, del bool, err error)) error {
	if s.expired.Load() {
		return ErrNotLive
	}
	name := componentName[T]()
	s.mu.Lock()
	uid := s.id.String()
	s.mu.Unlock()
	// Updates of one component through this process take turns, so that
	// only other processes can make them conflict: under contention,
	// retries grow with the number of processes, not of requests. The
	// lock is this component's own, so f may update other components of
	// the session.
	lock := m.updates.lock(uid, name)
	defer lock.unlock()
	s.mu.Lock()
	old := s.viewLocked().data[name]
	cur, ok := componentLocked[T](m, s, name)
	s.mu.Unlock()
	ctx := context.Background()
	for {
		v, del, err := change(cur, ok)
		if err != nil {
			return err
		}
		var data []byte
		if !del {
			if data, err = m.codec.Marshal(v); err != nil {
				return err
			}
			if data == nil {
				data = []byte{} // nil would mean "remove"
			}
		}
		if old == nil {
			// Maybe a new session: stored now, with the component.
			stored, err := m.storePending(s, name, data)
			if err != nil {
				return err
			}
			if stored {
				s.mu.Lock()
				setLocked(s, name, data, v, !del)
				s.mu.Unlock()
				return nil
			}
		}
		var now []byte
		uid, err = m.followRenames(ctx, s, uid, func(uid string) (err error) {
			now, err = m.store.Update(ctx, uid, name, old, data)
			return err
		})
		switch {
		case err == nil:
			s.mu.Lock()
			setLocked(s, name, data, v, !del)
			s.mu.Unlock()
			return nil
		case errors.Is(err, ErrConflict):
			if bytes.Equal(now, old) && (now == nil) == (old == nil) {
				return fmt.Errorf("%w: the store reported a conflict for an unchanged value", ErrUnavailable)
			}
			s.mu.Lock()
			setLocked(s, name, now, nil, false)
			old = now
			cur, ok = componentLocked[T](m, s, name)
			s.mu.Unlock()
		case errors.Is(err, ErrNotFound):
			return ErrNotLive
		default:
			return unavailable(err)
		}
	}
}

// updateLocks are the locks that updates of one component of one session
// take in turn in this process (see casStored): one per (uid, name) that
// an update holds or waits for, found in one of a fixed set of shards.
// Each is its own, so that an update whose f updates another component of
// the session never waits for itself.
type updateLocks struct {
	seed   maphash.Seed
	shards [64]updateShard
}

type updateShard struct {
	mu   sync.Mutex
	held map[updateKey]*updateLock
	free []*updateLock // for reuse, at most maxFree
}

type updateKey struct{ uid, name string }

// updateLock is the lock of one component of one session.
type updateLock struct {
	mu    sync.Mutex
	shard *updateShard
	key   updateKey
	refs  int // updates holding or waiting for mu; guarded by shard.mu
}

// maxFree bounds the updateLocks a shard keeps for reuse.
const maxFree = 4

// stripe returns the index of the shard of (uid, name).
func (l *updateLocks) stripe(uid, name string) int {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(uid)
	h.WriteString(name)
	return int(h.Sum64() % uint64(len(l.shards)))
}

// lock takes the lock of component name of session uid, and returns it.
func (l *updateLocks) lock(uid, name string) *updateLock {
	sh := &l.shards[l.stripe(uid, name)]
	k := updateKey{uid, name}
	sh.mu.Lock()
	e := sh.held[k]
	if e == nil {
		if n := len(sh.free); n > 0 {
			e = sh.free[n-1]
			sh.free[n-1] = nil
			sh.free = sh.free[:n-1]
		} else {
			e = &updateLock{shard: sh}
		}
		e.key = k
		if sh.held == nil {
			sh.held = make(map[updateKey]*updateLock)
		}
		sh.held[k] = e
	}
	e.refs++
	sh.mu.Unlock()
	e.mu.Lock()
	return e
}

// unlock releases e, and forgets it if no update waits for it.
func (e *updateLock) unlock() {
	e.mu.Unlock()
	sh := e.shard
	sh.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(sh.held, e.key)
		e.key = updateKey{}
		if len(sh.free) < maxFree {
			sh.free = append(sh.free, e)
		}
	}
	sh.mu.Unlock()
}
