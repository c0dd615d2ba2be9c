package session

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/sessionhook"
)

// memStore holds the live sessions of an in-memory Manager, by uid, and
// expires them on time with its own scheduler: one goroutine and one timer
// armed for the earliest deadline of a min-heap, started by the first add
// and stopped by close. A memStore that never gets a session starts
// nothing.
type memStore struct {
	// Immutable after init.
	m       *Manager
	clock   *clock
	max     int           // > 0
	wake    chan struct{} // 1-buffered; Add -> scheduler: a new heap top
	quit    chan struct{} // closed by the first Close
	stopped chan struct{} // closed when the scheduler goroutine returns

	// Lock order: mu, then a shard's mu, then a Session's mu. Nothing
	// calls out (callbacks, newT) with any of them held.
	mu      sync.RWMutex // guards the fields below and every member's index
	h       expiryHeap   // every live session, by scheduled deadline
	fresh   freshHeap    // sessions no request has come back with, maybe stale: see evictLocked
	started bool         // scheduler goroutine started
	closed  bool

	// shards index the live sessions by uid. A shard's map is written with
	// both mu and the shard's mu held, so writers, which all hold mu, may
	// read any shard without its lock; Get takes only the shard's read
	// lock, so that lookups on different cores rarely share a lock.
	shards [nShards]shard
}

// init readies an empty memStore of m, holding up to max sessions. It
// starts no goroutine.
func (st *memStore) init(m *Manager, max int) {
	st.m = m
	st.clock = m.clock
	st.max = max
	st.wake = make(chan struct{}, 1)
	st.quit = make(chan struct{})
	st.stopped = make(chan struct{})
}

// An expiring session, taken off the store with its callbacks, waiting for
// them to run outside the lock.
type expiring struct {
	s   *Session
	cbs []func()
}

// add registers s, a Session fresh from [New] or a [Factory], and
// schedules its expiry at its deadline. It starts s's life on the clock:
// its creation and last access become the time of the add, so that all
// deadlines are on one clock. If the store is full, add first evicts a
// session (see evictLocked) and runs its callbacks in the calling
// goroutine.
//
// kick says whether to start the scheduler, or wake it for a new heap top;
// benchmarks turn it off to pile up due sessions.
//
// add returns ErrClosed after close, and ErrDuplicateUID if a live session
// already has s's uid. A Session that has already expired is not
// registered, and add returns nil. add panics if s already has a Manager.
func (st *memStore) add(s *Session, kick bool) error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return ErrClosed
	}
	s.mu.Lock()
	if s.m.Load() != nil {
		s.mu.Unlock()
		st.mu.Unlock()
		panic(fmt.Sprintf("session: session %s already belongs to a Manager", s.id))
	}
	if st.lookupLocked(s.id) != nil {
		s.mu.Unlock()
		st.mu.Unlock()
		return ErrDuplicateUID
	}
	s.m.Store(st.m)
	now := st.clock.unixNano()
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
		if e, ok := st.evictLocked(); ok {
			evicted = append(evicted, e)
		}
	}
	due := s.deadline()
	st.h.push(due, s)
	st.indexLocked(s.id, s)
	st.fresh.push(due, s)
	if len(st.fresh) > 2*len(st.h)+1024 {
		st.fresh = st.fresh.compact()
	}
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
		e.s.runCallbacks(e.cbs, st.m)
		st.m.ended(e.s, sessionhook.Evicted, len(e.cbs))
	}
	return nil
}

// remove takes s out of the store after its Expire marked it.
func (st *memStore) remove(s *Session) {
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

// get returns the session indexed under uid, live or past its deadline
// but not yet reaped, or nil: also when uid is not a UUID in canonical
// text form (so a forged or garbled cookie names nothing). It takes only
// the read lock of one of the 64 index shards, and does not allocate.
func (st *memStore) get(uid string) *Session {
	id, ok := parseUID(uid)
	if !ok {
		return nil
	}
	sh := st.shardOf(id)
	sh.mu.RLock()
	s := sh.m[id]
	sh.mu.RUnlock()
	if s == nil || s.expired.Load() {
		return nil
	}
	return s
}

// len returns the number of live sessions.
func (st *memStore) len() int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.h)
}

// all returns an iterator over the live sessions; see Manager.All.
func (st *memStore) all() iter.Seq[*Session] {
	return func(yield func(*Session) bool) {
		st.mu.RLock()
		snap := make([]*Session, len(st.h))
		for i, sl := range st.h {
			snap[i] = sl.s
		}
		st.mu.RUnlock()
		yieldLive(snap, yield)
	}
}

// yieldLive yields the sessions of snap that have not expired, until
// yield returns false.
func yieldLive(snap []*Session, yield func(*Session) bool) {
	for _, s := range snap {
		if s.Expired() {
			continue
		}
		if !yield(s) {
			return
		}
	}
}

// rename gives s, a live session of st, the new uid id, keeping its data,
// components, callbacks and deadline: the store no longer knows the old
// uid. It returns ErrClosed after close, ErrNotLive if s is not live in
// st, and ErrDuplicateUID if another live session has id.
func (st *memStore) rename(s *Session, id uuid.UUID) error {
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

// close stops the scheduler goroutine and its timer, and waits for the
// goroutine to return, including any expiry callbacks it is running. The
// sessions still live are dropped without running their callbacks, and
// are not marked expired. close is idempotent.
func (st *memStore) close() {
	st.mu.Lock()
	first := !st.closed
	st.closed = true
	started := st.started
	st.h = nil
	st.fresh = nil
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

// shrinkLocked gives back the memory of the heaps once most of what they
// held has expired (after a flood, say): a slice keeps its capacity, and
// the fresh heap keeps entries of sessions long gone. Both copies are
// linear in what remains and happen only after that many expiries. st.mu
// must be held.
func (st *memStore) shrinkLocked() {
	if cap(st.h) > 1024 && len(st.h) < cap(st.h)/4 {
		st.h = slices.Clone(st.h)
	}
	if len(st.fresh) > 2*len(st.h)+1024 || cap(st.fresh) > 1024 && len(st.fresh) < cap(st.fresh)/4 {
		st.fresh = st.fresh.compact()
	}
}

// batchSize bounds how many due sessions the scheduler takes per lock
// hold, so that Get and Add are not stalled by a large expiry wave.
const batchSize = 1024

// run is the scheduler goroutine.
func (st *memStore) run() {
	defer close(st.stopped)
	t := time.NewTimer(time.Duration(math.MaxInt64))
	defer t.Stop()
	var buf []expiring
	scratch := new(unindexScratch)
	for {
		next, ok := st.expireDue(&buf, scratch)
		if ok {
			t.Reset(time.Duration(next - st.clock.unixNano()))
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
func (st *memStore) expireDue(buf *[]expiring, scratch *unindexScratch) (next int64, ok bool) {
	for {
		now := st.clock.unixNano()
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
			cbs, ok := s.markExpiredLocked()
			s.mu.Unlock()
			if !ok {
				// An Expire marked it and waits for mu to take it
				// out (see remove), then runs its callbacks and
				// tells the inspector: the end is that Expire's.
				continue
			}
			b = append(b, expiring{s, cbs})
		}
		st.unindexBatchLocked(b, scratch)
		st.shrinkLocked()
		if len(st.h) > 0 {
			next, ok = st.h[0].due, true
		} else {
			next, ok = 0, false
		}
		st.mu.Unlock()

		for _, e := range b {
			if len(e.cbs) > 0 {
				e.s.runCallbacks(e.cbs, st.m)
			}
			st.m.endedDue(e.s, len(e.cbs))
		}
		clear(b)
		*buf = b[:0]
		if n < batchSize {
			return next, ok
		}
	}
}
