package session

import (
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/google/uuid"
)

// Errors returned by [Store] methods.
var (
	// ErrClosed is returned by Store.Add and Store.Rename after
	// Store.Close.
	ErrClosed = errors.New("session: store closed")

	// ErrNotLive is returned by Store.Rename for a session that is not
	// live in that store: expired, never added, or added to another.
	ErrNotLive = errors.New("session: session not live in this store")

	// ErrDuplicateUID is returned by Store.Add and Store.Rename when a live
	// session already has the uid. With random v4 UUIDs it means a bug.
	ErrDuplicateUID = errors.New("session: uid already in use")
)

// DefaultMaxSessions is the number of live sessions a [Store] holds when
// StoreOptions.MaxSessions is zero.
const DefaultMaxSessions = 1_000_000

// StoreOptions configures a [Store]. The zero value means all defaults.
type StoreOptions struct {
	// MaxSessions caps the number of live sessions. When Add would go
	// beyond it, the session with the earliest scheduled deadline (the top
	// of the expiry heap) is expired first, callbacks and all, in the
	// goroutine calling Add, so that clients which never send their cookie
	// back cannot exhaust memory. Zero or negative means
	// DefaultMaxSessions.
	MaxSessions int

	// Logger receives the panics of expiry callbacks, with their stacks.
	// Nil means slog.Default(), as it is when a panic is logged.
	Logger *slog.Logger
}

// A Store holds the live sessions of one web Site, by uid, and expires them
// on time. Every Store has its own expiry scheduler: one goroutine and one
// timer armed for the earliest deadline of a min-heap, started by the first
// [Store.Add] and stopped by [Store.Close]. A Store that never gets a
// session starts nothing, but a Store that did must be closed to stop its
// goroutine.
//
// A Store is safe for concurrent use by multiple goroutines. Make one with
// [NewStore]; the zero value is not usable.
type Store struct {
	// Immutable after NewStore.
	clock   *Clock
	logger  *slog.Logger  // may be nil: use slog.Default()
	max     int           // > 0
	wake    chan struct{} // 1-buffered; Add -> scheduler: a new heap top
	quit    chan struct{} // closed by the first Close
	stopped chan struct{} // closed when the scheduler goroutine returns

	// Lock order: mu, then a shard's mu, then a Session's mu. Nothing
	// calls out (callbacks, newT) with any of them held.
	mu      sync.RWMutex // guards the fields below and every member's index
	h       expiryHeap   // every live session, by scheduled deadline
	started bool         // scheduler goroutine started
	closed  bool

	// shards index the live sessions by uid. A shard's map is written with
	// both mu and the shard's mu held, so writers, which all hold mu, may
	// read any shard without its lock; Get takes only the shard's read
	// lock, so that lookups on different cores rarely share a lock.
	shards [nShards]shard
}

// nShards is the number of uid index shards of a Store, a power of two.
const nShards = 64

type shard struct {
	mu sync.RWMutex
	m  map[uuid.UUID]*Session                          // nil until the first Add
	_  [64 - (unsafe.Sizeof(sync.RWMutex{})+8)%64]byte // a cache line each, against false sharing
}

// shardOf returns the shard that indexes id. The bytes are random in a v4
// UUID.
func (st *Store) shardOf(id uuid.UUID) *shard {
	return &st.shards[shardIndex(id)]
}

func shardIndex(id uuid.UUID) int {
	return int((id[0] ^ id[15]) & (nShards - 1))
}

// lookupLocked returns the live session with id. st.mu must be held.
func (st *Store) lookupLocked(id uuid.UUID) *Session {
	return st.shardOf(id).m[id]
}

// indexLocked makes id name s. st.mu must be held.
func (st *Store) indexLocked(id uuid.UUID, s *Session) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uuid.UUID]*Session)
	}
	sh.m[id] = s
	sh.mu.Unlock()
}

// unindexScratch is the scheduler's buffer for unindexBatchLocked.
type unindexScratch struct {
	ids []uuid.UUID
}

// unindexBatchLocked removes the sessions of b from the index, grouped by
// shard so that each shard is locked once. Between the locks (atomic
// instructions, which are fences) the CPU can overlap the cache misses of
// consecutive deletes, which a million-entry index makes the main cost of
// expiry. st.mu must be held.
func (st *Store) unindexBatchLocked(b []expiring, scratch *unindexScratch) {
	var start [nShards + 1]int
	for _, e := range b {
		start[shardIndex(e.s.id)+1]++
	}
	for i := 1; i <= nShards; i++ {
		start[i] += start[i-1]
	}
	ids := slices.Grow(scratch.ids[:0], len(b))[:len(b)]
	next := start
	for _, e := range b {
		i := shardIndex(e.s.id)
		ids[next[i]] = e.s.id
		next[i]++
	}
	for i := range nShards {
		if start[i] == start[i+1] {
			continue
		}
		sh := &st.shards[i]
		sh.mu.Lock()
		for _, id := range ids[start[i]:start[i+1]] {
			delete(sh.m, id)
		}
		sh.mu.Unlock()
	}
	scratch.ids = ids[:0]
}

// unindexLocked removes id from the index. st.mu must be held.
func (st *Store) unindexLocked(id uuid.UUID) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	delete(sh.m, id)
	sh.mu.Unlock()
}

// NewStore returns an empty Store configured by opts. It starts no
// goroutine.
func NewStore(opts StoreOptions) *Store {
	max := opts.MaxSessions
	if max <= 0 {
		max = DefaultMaxSessions
	}
	return &Store{
		clock:   NewClock(),
		logger:  opts.Logger,
		max:     max,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
}

// Clock returns the Store's clock, started by [NewStore]: every deadline in
// the Store is on it, and [Session.Touch] reads it. A web Site gives the
// same Clock to its requests, so that what they pass to [Session.TouchAt]
// is on it too.
func (st *Store) Clock() *Clock { return st.clock }

// now reads st's clock, or time.Now (a nil Clock) if st is nil.
func (st *Store) now() int64 {
	var c *Clock
	if st != nil {
		c = st.clock
	}
	return c.UnixNano()
}

func (st *Store) log() *slog.Logger {
	if st.logger != nil {
		return st.logger
	}
	return slog.Default()
}

// An expiring session, taken off the store with its callbacks, waiting for
// them to run outside the lock.
type expiring struct {
	s   *Session
	cbs []func()
}

// Add registers s, a Session fresh from [New] or a [Factory], and schedules
// its expiry at [Session.Deadline]. Add starts s's life on the Store's
// [Clock]: its [Session.Created] and [Session.LastAccess] become the time
// of the Add, so that all the Store's deadlines are on one clock. The
// first Add starts the Store's scheduler goroutine. If the Store is full
// (see StoreOptions.MaxSessions), Add first expires the session with the
// earliest deadline and runs its callbacks in the calling goroutine.
//
// Add returns [ErrClosed] after [Store.Close], and [ErrDuplicateUID] if a
// live session already has s's uid. A Session that has already expired is
// not registered, and Add returns nil. Add panics if s is nil or has
// already been given to a Store.
func (st *Store) Add(s *Session) error {
	if s == nil {
		panic("session: Store.Add of a nil *Session")
	}
	return st.add(s, true)
}

// add is Add. kick says whether to start the scheduler, or wake it for a
// new heap top; benchmarks turn it off to pile up due sessions.
func (st *Store) add(s *Session, kick bool) error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return ErrClosed
	}
	s.mu.Lock()
	if s.store.Load() != nil {
		s.mu.Unlock()
		st.mu.Unlock()
		panic(fmt.Sprintf("session: Store.Add of session %s, which already belongs to a store", s.id))
	}
	if st.lookupLocked(s.id) != nil {
		s.mu.Unlock()
		st.mu.Unlock()
		return ErrDuplicateUID
	}
	s.store.Store(st)
	now := st.clock.UnixNano()
	s.created.Store(now)
	s.last.Store(now)
	expired := s.expired.Load()
	s.mu.Unlock()
	if expired {
		st.mu.Unlock()
		return nil
	}

	var evicted []expiring
	for len(st.h) >= st.max {
		if e, ok := st.popLocked(); ok {
			evicted = append(evicted, e)
		}
	}
	st.h.push(s.deadline(), s)
	st.indexLocked(s.id, s)
	if kick && !st.started {
		st.started = true
		go st.run()
	} else if kick && s.index == 0 {
		select {
		case st.wake <- struct{}{}:
		default:
		}
	}
	st.mu.Unlock()

	for _, e := range evicted {
		e.s.runCallbacks(e.cbs, st)
	}
	return nil
}

// popLocked takes the heap's top session out of the store and marks it
// expired. It reports false if the session had already been marked by a
// concurrent Expire, which will run the callbacks itself. st.mu must be
// held.
func (st *Store) popLocked() (expiring, bool) {
	s := st.h.pop()
	st.unindexLocked(s.id)
	s.mu.Lock()
	cbs, ok := s.markExpiredLocked()
	s.mu.Unlock()
	return expiring{s, cbs}, ok
}

// remove takes s out of the store after its Expire marked it.
func (st *Store) remove(s *Session) {
	st.mu.Lock()
	if !st.closed {
		if s.index >= 0 {
			st.h.remove(int(s.index))
		}
		if st.lookupLocked(s.id) == s {
			st.unindexLocked(s.id)
		}
	}
	st.mu.Unlock()
}

// Get returns the live session with the given uid. It reports false if
// there is none, including when uid is not a UUID in canonical text form
// (so a forged or garbled cookie names nothing). Get does not touch the
// session; it takes only the read lock of one of the Store's 64 index
// shards, and does not allocate.
func (st *Store) Get(uid string) (*Session, bool) {
	id, ok := parseUID(uid)
	if !ok {
		return nil, false
	}
	sh := st.shardOf(id)
	sh.mu.RLock()
	s, ok := sh.m[id]
	sh.mu.RUnlock()
	if !ok || s.expired.Load() {
		return nil, false
	}
	return s, true
}

// Len returns the number of live sessions.
func (st *Store) Len() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.h)
}

// All returns an iterator over the live sessions, in no particular order,
// for jobs such as "log this user out everywhere". Each iteration works on
// a snapshot taken when it starts, so the loop body may Expire sessions,
// Add new ones or call any other Store method; sessions that expire during
// the iteration before their turn are skipped, and sessions added during it
// are not seen.
func (st *Store) All() iter.Seq[*Session] {
	return func(yield func(*Session) bool) {
		st.mu.RLock()
		snap := make([]*Session, len(st.h))
		for i, sl := range st.h {
			snap[i] = sl.s
		}
		st.mu.RUnlock()
		for _, s := range snap {
			if s.Expired() {
				continue
			}
			if !yield(s) {
				return
			}
		}
	}
}

// Rename gives s, a live session of st, the new uid newUID, keeping its
// data, components, callbacks and deadline: the store no longer knows the
// old uid, and s.UID() returns newUID from now on. A Site's RenewSession
// uses it against session fixation at login.
//
// Rename returns [ErrClosed] after [Store.Close], [ErrNotLive] if s is not
// live in st, and [ErrDuplicateUID] if another live session has newUID.
// It panics if s is nil or newUID is not a UUID in canonical text form.
func (st *Store) Rename(s *Session, newUID string) error {
	if s == nil {
		panic("session: Store.Rename of a nil *Session")
	}
	id, ok := parseUID(newUID)
	if !ok {
		panic(fmt.Sprintf("session: Store.Rename: uid %q is not a canonical UUID", newUID))
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return ErrClosed
	}
	if s.expired.Load() || st.lookupLocked(s.id) != s {
		return ErrNotLive
	}
	if id == s.id {
		return nil
	}
	if st.lookupLocked(id) != nil {
		return ErrDuplicateUID
	}
	st.unindexLocked(s.id)
	s.mu.Lock()
	s.id = id
	s.mu.Unlock()
	st.indexLocked(id, s)
	return nil
}

// Close stops the Store's scheduler goroutine and its timer, and waits for
// the goroutine to return, including any expiry callbacks it is running;
// so Close must not be called from an expiry callback. Close is
// idempotent.
//
// The sessions still live are dropped without running their callbacks:
// closing is for shutting a Site down, not for logging everyone out (use
// [Store.All] and [Session.Expire] for that). A dropped session is not
// marked expired; calling its Expire later still runs its callbacks.
// After Close, Get finds nothing, Len is 0, and Add and Rename return
// [ErrClosed].
func (st *Store) Close() {
	st.mu.Lock()
	first := !st.closed
	st.closed = true
	started := st.started
	st.h = nil
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		sh.m = nil
		sh.mu.Unlock()
	}
	st.mu.Unlock()
	if first {
		close(st.quit)
	}
	if started {
		<-st.stopped
	}
}

// batchSize bounds how many due sessions the scheduler takes per lock
// hold, so that Get and Add are not stalled by a large expiry wave.
const batchSize = 1024

// run is the scheduler goroutine.
func (st *Store) run() {
	defer close(st.stopped)
	t := time.NewTimer(time.Duration(math.MaxInt64))
	defer t.Stop()
	var buf []expiring
	scratch := new(unindexScratch)
	for {
		next, ok := st.expireDue(&buf, scratch)
		if ok {
			t.Reset(time.Duration(next - st.clock.UnixNano()))
		} else {
			t.Stop()
		}
		select {
		case <-st.quit:
			return
		case <-st.wake:
		case <-t.C:
		}
	}
}

// expireDue expires every session whose deadline has passed, in batches,
// and returns the next scheduled deadline, if any. A top session that was
// touched since it was scheduled is moved to its real deadline instead.
func (st *Store) expireDue(buf *[]expiring, scratch *unindexScratch) (next int64, ok bool) {
	for {
		now := st.clock.UnixNano()
		b := (*buf)[:0]
		n := 0
		st.mu.Lock()
		if st.closed {
			st.mu.Unlock()
			return 0, false
		}
		for n < batchSize && len(st.h) > 0 && st.h[0].due <= now {
			n++ // a re-heap counts too: one hold of st.mu stays short
			if d := st.h[0].s.deadline(); d > now {
				st.h[0].due = d
				st.h.down(0)
				continue
			}
			s := st.h.pop()
			s.mu.Lock()
			cbs, _ := s.markExpiredLocked()
			s.mu.Unlock()
			b = append(b, expiring{s, cbs})
		}
		st.unindexBatchLocked(b, scratch)
		if len(st.h) > 0 {
			next, ok = st.h[0].due, true
		} else {
			next, ok = 0, false
		}
		st.mu.Unlock()

		for _, e := range b {
			if len(e.cbs) > 0 {
				e.s.runCallbacks(e.cbs, st)
			}
		}
		clear(b)
		*buf = b[:0]
		if n < batchSize {
			return next, ok
		}
	}
}
