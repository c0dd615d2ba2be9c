package session

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"sync"
	"time"
	"unsafe"

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

// nShards is the number of uid index shards of a memStore, a power of two.
const nShards = 64

type shard struct {
	mu   sync.RWMutex
	m    map[uuid.UUID]*Session                           // nil until the first Add
	peak int                                              // the most entries m has held since it was made
	_    [64 - (unsafe.Sizeof(sync.RWMutex{})+16)%64]byte // a cache line each, against false sharing
}

// shrinkLocked makes a new, smaller map for the shard once it holds less
// than a quarter of what it once did: a Go map never gives back the memory
// of its deleted entries, so after a flood of sessions expires the index
// would keep the flood's size for good. Copying is linear in what remains,
// and happens only after that many deletes. sh.mu must be held.
func (sh *shard) shrinkLocked() {
	if sh.peak < 1024 || len(sh.m) >= sh.peak/4 {
		return
	}
	m := make(map[uuid.UUID]*Session, len(sh.m))
	for id, s := range sh.m {
		m[id] = s
	}
	sh.m = m
	sh.peak = len(m)
}

// shardOf returns the shard that indexes id. The bytes are random in a v4
// UUID.
func (st *memStore) shardOf(id uuid.UUID) *shard {
	return &st.shards[shardIndex(id)]
}

func shardIndex(id uuid.UUID) int {
	return int((id[0] ^ id[15]) & (nShards - 1))
}

// lookupLocked returns the live session with id. st.mu must be held.
func (st *memStore) lookupLocked(id uuid.UUID) *Session {
	return st.shardOf(id).m[id]
}

// indexLocked makes id name s. st.mu must be held.
func (st *memStore) indexLocked(id uuid.UUID, s *Session) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uuid.UUID]*Session)
	}
	sh.m[id] = s
	sh.peak = max(sh.peak, len(sh.m))
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
func (st *memStore) unindexBatchLocked(b []expiring, scratch *unindexScratch) {
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
		sh.shrinkLocked()
		sh.mu.Unlock()
	}
	scratch.ids = ids[:0]
}

// unindexLocked removes id from the index. st.mu must be held.
func (st *memStore) unindexLocked(id uuid.UUID) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	delete(sh.m, id)
	sh.shrinkLocked()
	sh.mu.Unlock()
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

// evictLocked takes one session out of a full store and marks it expired,
// so that clients which never send their cookie back can neither exhaust
// memory nor push out the sessions of visitors who do: the session it
// takes is, among those no request has come back with (see returned), the
// one with the earliest deadline; only when every live session has been
// used on two requests or more does it take the earliest deadline of all.
// It reports false if the session had already been marked by a concurrent
// Expire, which will run the callbacks itself. st.mu must be held.
func (st *memStore) evictLocked() (expiring, bool) {
	var s *Session
	for len(st.fresh) > 0 && s == nil {
		e := st.fresh.pop()
		// The entry is stale if its session ended, came back, or was
		// evicted already; it is dropped either way.
		if e.s.index >= 0 && !returned(e.s) && st.lookupLocked(e.s.id) == e.s {
			s = e.s
		}
	}
	if s == nil {
		s = st.h[0].s
	}
	st.h.remove(int(s.index))
	st.unindexLocked(s.id)
	s.mu.Lock()
	cbs, ok := s.markExpiredLocked()
	s.mu.Unlock()
	return expiring{s, cbs}, ok
}

// returned reports whether a request came back with s since the one that
// made it: whether it was touched after it was made.
func returned(s *Session) bool { return s.last.Load() != s.created.Load() }

// freshHeap is a binary min-heap of the sessions of a memStore that no
// request had come back with when they were added, by deadline: the ones
// eviction takes first. Entries are not removed when their session
// expires or comes back; evictLocked skips them, and compact drops them
// when they outnumber the live sessions.
type freshHeap []slot

func (h *freshHeap) push(due int64, s *Session) {
	*h = append(*h, slot{due, s})
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].due <= a[i].due {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *freshHeap) pop() slot {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = slot{}
	a = a[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].due < a[c].due {
			c++
		}
		if a[i].due <= a[c].due {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top
}

// compact returns a new heap of the entries whose sessions are still live
// and have not come back. The owning memStore's mu must be held.
func (h freshHeap) compact() freshHeap {
	var out freshHeap
	for _, e := range h {
		if e.s.index >= 0 && !e.s.expired.Load() && !returned(e.s) {
			out.push(e.due, e.s)
		}
	}
	return out
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
