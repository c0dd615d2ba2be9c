package session

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/sessionhook"
)

// This file holds what a Manager does with a Store: each Session it hands
// out is a view of one stored record, read once (by Lookup, Access) and
// changed in the Store at once by every write. A session that Make made
// is stored lazily, with its first change or by Save (a web Site saves it
// just before it sends its cookie), so that a request that makes a session
// and stores a component costs one round trip.

// view is what this process knows of a stored session's record. Guarded by
// the Session's mu, except store.
type view struct {
	deadline int64             // unix nanoseconds, on the Store's clock
	due      int64             // deadline on the Manager's clock, as of the read
	data     map[string][]byte // encoded components by name
	cache    map[string]any    // decoded components by name, for data
	pending  bool              // made here, not stored yet
	// heard is the watcher's count of the Store's notices before the
	// read that found the session live (see watcher).
	heard uint64

	store *sync.Mutex // held while a pending session is being stored
}

// unavailable wraps a Store's failure in ErrUnavailable.
func unavailable(err error) error {
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// applyLocked makes rec s's view. s.mu must be held, or s unpublished. It
// keeps the previous view's count of notices heard: a caller that read rec
// from the Store sets the count it read before (see watcher).
func (m *Manager) applyLocked(s *Session, rec *Record) {
	s.created.Store(rec.Created.UnixNano())
	s.last.Store(rec.LastAccess.UnixNano())
	d := s.dataLocked()
	v := &view{
		deadline: rec.Deadline.UnixNano(),
		due:      addSat(m.now(), int64(rec.Deadline.Sub(rec.Now))),
		data:     rec.Components,
	}
	if old := d.rec; old != nil {
		v.store = old.store
		v.heard = old.heard
	}
	if v.data == nil {
		v.data = make(map[string][]byte)
	}
	d.rec = v
}

// makeStored adopts s, fresh from the Factory, as a new session to be
// stored by its first change or by Save.
func (m *Manager) makeStored(s *Session) (*Session, error) {
	if m.w.isClosed() {
		return nil, ErrClosed
	}
	s.mu.Lock()
	if s.m.Load() != nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("session: session %s already belongs to a Manager", s.id))
	}
	now := m.now()
	s.created.Store(now)
	s.last.Store(now)
	d := addSat(now, s.timeout)
	if s.lifetime > 0 {
		d = min(d, addSat(now, s.lifetime))
	}
	s.dataLocked().rec = &view{
		deadline: d,
		due:      d,
		data:     make(map[string][]byte),
		pending:  true,
		heard:    m.w.heard.Load(),
		store:    new(sync.Mutex),
	}
	s.m.Store(m)
	s.mu.Unlock()
	return s, nil
}

// Save stores s, a session that Make made, if it has not been stored yet:
// with a [Store], a new session is stored lazily, by its first change or by
// Save, so that a request that makes a session and changes a component
// costs one round trip. A web Site saves a session just before it sends
// its cookie. Save does nothing in memory, for a session already stored,
// or for one that has expired; with a Store it returns an error wrapping
// [ErrUnavailable] if the Store failed.
func (m *Manager) Save(s *Session) error {
	if m.store == nil || s.expired.Load() {
		return nil
	}
	_, err := m.storePending(s, "", nil)
	if errors.Is(err, ErrNotLive) {
		return nil // expired meanwhile
	}
	return err
}

// storePending stores s if it is pending, with the component name set to
// data if data is not nil, and reports whether it did. A session that is
// not pending is left alone (stored is false, err nil); one that expired
// while it was pending is not stored (ErrNotLive).
func (m *Manager) storePending(s *Session, name string, data []byte) (stored bool, err error) {
	s.mu.Lock()
	v := s.viewLocked()
	s.mu.Unlock()
	if v.store == nil {
		return false, nil
	}
	v.store.Lock()
	defer v.store.Unlock()
	if s.expired.Load() {
		return false, ErrNotLive // ended while pending (see whilePending)
	}
	s.mu.Lock()
	pending := s.viewLocked().pending
	rec := &Record{UID: s.id.String(), Timeout: s.Timeout(), Lifetime: s.Lifetime()}
	s.mu.Unlock()
	if !pending {
		return false, nil
	}
	if data != nil {
		rec.Components = map[string][]byte{name: data}
	}
	if err := m.store.Create(context.Background(), rec); err != nil {
		if errors.Is(err, ErrDuplicateUID) {
			return false, err
		}
		return false, unavailable(err)
	}
	if rec.Components == nil && data != nil {
		rec.Components = map[string][]byte{name: data}
	}
	s.mu.Lock()
	m.applyLocked(s, rec)
	s.mu.Unlock()
	return true, nil
}

// whilePending runs f if s is a session Make made that is not stored yet,
// and reports whether it did. f runs holding the lock that storing s
// takes, so s stays stored nowhere while f decides what to do with it:
// once f has marked s expired, storePending finds it so. The func f
// returns, if not nil, runs once that lock is released: expiry callbacks
// go there, as they run outside any lock (a web request may hold its own
// lock while it waits for this one to store the session, and a callback
// may call that request's methods).
func whilePending(s *Session, f func() (then func())) bool {
	s.mu.Lock()
	lock := s.viewLocked().store
	s.mu.Unlock()
	if lock == nil {
		return false
	}
	ran, then := func() (bool, func()) {
		lock.Lock()
		defer lock.Unlock()
		if !isPending(s) {
			return false, nil
		}
		return true, f()
	}()
	if then != nil {
		then()
	}
	return ran
}

// isPending reports whether s is a session Make made that is not stored
// yet.
func isPending(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ext != nil && s.ext.data != nil && s.ext.data.rec != nil && s.ext.data.rec.pending
}

// loadStored returns a view of the live stored session uid, touched first
// if touch is set.
func (m *Manager) loadStored(uid string, touch bool) (*Session, error) {
	id, ok := parseUID(uid)
	if !ok {
		return nil, ErrNotFound
	}
	heard := m.w.heard.Load() // before the read (see watcher)
	rec, err := m.store.Load(context.Background(), uid, touch)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, unavailable(err)
	}
	s := &Session{timeout: int64(rec.Timeout), lifetime: int64(rec.Lifetime), index: -1, id: id}
	m.applyLocked(s, rec)
	s.viewLocked().heard = heard
	s.m.Store(m)
	return s, nil
}

// touchStored touches s in the Store and reloads its view. A Renew of s
// meanwhile, here or through another process, is followed (see
// followRenames): the session lives on under its new uid, which s then
// has.
func (m *Manager) touchStored(s *Session) error {
	if s.expired.Load() {
		return ErrNotLive
	}
	if stored, err := m.storePending(s, "", nil); stored || err != nil {
		return err
	}
	ctx := context.Background()
	heard := m.w.heard.Load() // before the read (see watcher)
	var rec *Record
	_, err := m.followRenames(ctx, s, s.UID(), func(uid string) (err error) {
		rec, err = m.store.Load(ctx, uid, true)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrNotLive
		}
		return unavailable(err)
	}
	s.mu.Lock()
	m.applyLocked(s, rec)
	s.viewLocked().heard = heard
	s.mu.Unlock()
	return nil
}

// followRenames runs op on uid, the uid s was read as. While op reports
// ErrNotFound for a session renewed since (see renamedTo), at most
// maxRenames times, s and its watch take the uid the session lives on
// under, and op runs again on it (a Renew here gave s its new uid
// already). So Touch and Update follow a Renew through another process as
// Expire does: the first call through a view loaded before the Renew finds
// where the session went, and the next ones go there directly. It returns
// the uid op last ran on, and op's error.
func (m *Manager) followRenames(ctx context.Context, s *Session, uid string, op func(uid string) error) (string, error) {
	err := op(uid)
	for range maxRenames {
		if !errors.Is(err, ErrNotFound) {
			break
		}
		next, ok := m.renamedTo(ctx, s, uid)
		if !ok {
			break
		}
		if err := m.follow(s, uid, next); err != nil {
			return uid, err
		}
		uid = next
		err = op(uid)
	}
	return uid, err
}

// follow gives s, read as uid, and its watch the uid next, that the Store
// renamed the session to (see watcher.rename: if s has another uid
// already, a Renew here moved it on, and nothing changes).
func (m *Manager) follow(s *Session, uid, next string) error {
	id, ok := parseUID(next)
	if !ok {
		return fmt.Errorf("%w: the store renamed session %s to a malformed uid %q", ErrUnavailable, uid, next)
	}
	m.w.rename(uid, next, id, s)
	return nil
}

// renamedTo returns the uid that s, read as uid, lives on under if it was
// renewed since: here (maybe before the session was first stored, so that
// the Store never knew uid: s has its new uid already), or through another
// process (the Store's Check says where to). It reports false if s was not
// renamed, or the Store cannot say.
func (m *Manager) renamedTo(ctx context.Context, s *Session, uid string) (string, bool) {
	if next := s.UID(); next != uid {
		return next, true
	}
	rec, err := m.store.Check(ctx, uid)
	if err != nil || rec.RenamedTo == "" {
		return "", false
	}
	return rec.RenamedTo, true
}

// expireStored ends s in the Store, then runs the callbacks registered in
// this process for it (through s or through other views of the session).
func (m *Manager) expireStored(s *Session) error {
	if s.expired.Load() {
		return nil
	}
	if whilePending(s, func() func() { return m.w.end(m, s.UID(), nil, s, sessionhook.Expired) }) {
		return nil // stored nowhere: ending it here is enough
	}
	uid := s.UID()
	for range maxRenames {
		rec, err := m.store.Expire(context.Background(), uid)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return unavailable(err)
		}
		if err == nil && rec.RenamedTo != "" {
			// Renewed elsewhere since s was loaded: it lives on under
			// the new uid, which s and its watch follow.
			if err := m.follow(s, uid, rec.RenamedTo); err != nil {
				return err
			}
			uid = rec.RenamedTo
			continue
		}
		// Ended now, or already (ErrNotFound): either way it is over.
		m.w.end(m, uid, rec, s, sessionhook.Expired)()
		return nil
	}
	return fmt.Errorf("%w: session %s keeps being renamed", ErrUnavailable, uid)
}

// maxRenames bounds the renames that Expire follows.
const maxRenames = 10

// renewStored moves s to a fresh uid in the Store.
func (m *Manager) renewStored(s *Session) error {
	if m.w.isClosed() {
		return ErrClosed
	}
	if s.expired.Load() {
		return ErrNotLive
	}
	uid := uuid.UUID(newID())
	// Made here and not stored yet: a new uid here is enough. It is
	// given under the lock that storing s takes, so that a first store
	// at the same time stores s under the uid s keeps (Renew waits for
	// it).
	var err error
	if whilePending(s, func() func() {
		if s.expired.Load() {
			err = ErrNotLive // ended while pending
		} else {
			m.w.rename(s.UID(), uid.String(), uid, s)
		}
		return nil
	}) {
		return err
	}
	old := s.UID()
	if err := m.store.Rename(context.Background(), old, uid.String()); err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrNotLive
		}
		return unavailable(err)
	}
	m.w.rename(old, uid.String(), uid, s)
	return nil
}
