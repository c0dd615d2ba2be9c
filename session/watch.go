package session

import (
	"container/heap"
	"context"
	"errors"
	"iter"
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/sessionhook"
)

// Timing of a watcher's checks with its Store.
const (
	// retryDelay is how soon a check that the Store could not answer is
	// made again.
	retryDelay = time.Second
	// dueSlack is added to a deadline the Store reported, so that the
	// check after it finds the session over (Store clocks count in
	// milliseconds).
	dueSlack = time.Millisecond
)

// watcher keeps, for a Manager with a Store, the sessions that have expiry
// callbacks registered in this process, in a min-heap by the time they are
// next due to be checked with the Store. Its scheduler goroutine checks
// each when it comes due: a live session is pushed back to its new
// deadline, a renamed one follows its new uid, an ended one has its
// callbacks run. A second goroutine runs the Store's Watch, whose notices
// make a session (or all of them) due at once. Both start with the first
// watched session and stop in close.
//
// A notice finds only the watches that exist when it comes. One that
// comes between a view's read of the session and the registration of its
// first callback finds none, and the watch made then would wait for the
// deadline the read gave: with a long timeout, an end through another
// process would run the callbacks that much late, without the components
// (see Store.Check). So the watcher counts the notices it hears, a view
// remembers the count from before its read (view.heard), and add checks
// a watch with the Store at once if the count moved since: the session
// may have ended or moved meanwhile. A notice that comes after the count
// was read comes after the read was sent, so any end or rename the read
// did not see is counted; one that came before it was seen by the read.
// Checking every new watch would cost a round trip per registration;
// this costs one only when a notice, of any session, came in that window,
// and an atomic load per read. Notices missed while the Watch was not
// listening are no different: it reports notify("") when it (re)starts,
// which counts, and makes every existing watch due.
type watcher struct {
	// Lock order: a session's store lock (see whilePending), then mu,
	// then a Session's mu. Nothing calls out (callbacks) with mu held.
	mu      sync.Mutex
	byUID   map[string]*watch
	h       watchHeap
	started bool
	closed  bool
	failing bool // the last check failed: logged once per outage

	wake   chan struct{} // 1-buffered: the heap's top changed
	cancel context.CancelFunc
	done   sync.WaitGroup

	// heard counts the notices of the Store's Watch, written under mu
	// (so that an add sees a notice, or the notice sees its watch) and
	// read without it before each read of a session (see view.heard).
	heard atomic.Uint64
}

// watch is one session watched, with every Session value of it that has
// callbacks here.
type watch struct {
	uid      string
	due      int64 // unix nanoseconds on the Manager's clock
	index    int   // in the heap; -1 while out of it (being checked)
	sessions []*Session
	again    bool // a notice came while it was being checked
}

type watchHeap []*watch

func (h watchHeap) Len() int           { return len(h) }
func (h watchHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h watchHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *watchHeap) Push(x any) {
	w := x.(*watch)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *watchHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

func (w *watcher) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// add watches s, a view of a stored session that just got a callback.
func (w *watcher) add(m *Manager, s *Session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// An end marks its sessions under w.mu (see end): one that took the
	// watch of uid before this add is seen here, and ran the callback.
	if w.closed || s.expired.Load() {
		return
	}
	// The uid is read under w.mu, so that a Renew's rename of the watch
	// (under w.mu, after it gave s its new id) comes before this read or
	// after the watch is made.
	s.mu.Lock()
	uid := s.id.String()
	v := s.viewLocked()
	due, heard := v.due, v.heard
	s.mu.Unlock()
	if w.byUID == nil {
		w.byUID = make(map[string]*watch)
	}
	e := w.byUID[uid]
	if e == nil {
		// A notice since s was read may have been about this session,
		// and found no watch to wake: then check it now (see watcher).
		// A watch that exists already needs no check for s: it has
		// heard every notice since it was made, and was made due at
		// once if one came since the read that made it.
		if heard != w.heard.Load() {
			due = min(due, m.now())
		}
		e = &watch{uid: uid, due: due, index: -1}
		w.byUID[uid] = e
		heap.Push(&w.h, e)
		w.kickLocked()
	}
	for _, x := range e.sessions {
		if x == s {
			return
		}
	}
	e.sessions = append(e.sessions, s)
	if !w.started {
		w.started = true
		w.wake = make(chan struct{}, 1)
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel = cancel
		w.done.Add(2)
		go w.run(ctx, m)
		go w.listen(ctx, m)
	}
}

// kickLocked wakes the scheduler. w.mu must be held.
func (w *watcher) kickLocked() {
	if w.wake == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// notify makes the session uid, or every session if uid is "", due for a
// check now.
func (w *watcher) notify(m *Manager, uid string) {
	now := m.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.heard.Add(1)
	if uid == "" {
		for _, e := range w.byUID {
			w.dueLocked(e, now)
		}
	} else if e := w.byUID[uid]; e != nil {
		w.dueLocked(e, now)
	}
	w.kickLocked()
}

// dueLocked makes e due now; if e is being checked, it is checked again
// at once. w.mu must be held.
func (w *watcher) dueLocked(e *watch, now int64) {
	if e.index < 0 {
		e.again = true
		return
	}
	if e.due > now {
		e.due = now
		heap.Fix(&w.h, e.index)
	}
}

// run is the scheduler goroutine.
func (w *watcher) run(ctx context.Context, m *Manager) {
	defer w.done.Done()
	t := time.NewTimer(time.Duration(math.MaxInt64))
	defer t.Stop()
	for {
		now := m.now()
		var due []*watch
		w.mu.Lock()
		for len(w.h) > 0 && w.h[0].due <= now {
			due = append(due, heap.Pop(&w.h).(*watch))
		}
		next, ok := int64(0), len(w.h) > 0
		if ok {
			next = w.h[0].due
		}
		w.mu.Unlock()
		for _, e := range due {
			if ctx.Err() != nil {
				return
			}
			w.check(ctx, m, e)
		}
		if len(due) > 0 {
			continue
		}
		if ok {
			t.Reset(time.Duration(next - m.now()))
		} else {
			t.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// check asks the Store what became of e's session, and acts on it. It
// works on the uid e had when it started: a rename meanwhile (by a Renew
// here) re-keys e, and what the Store says of the old uid then changes
// nothing but to check e again.
func (w *watcher) check(ctx context.Context, m *Manager, e *watch) {
	w.mu.Lock()
	uid := e.uid
	var first *Session
	if len(e.sessions) > 0 {
		first = e.sessions[0]
	}
	w.mu.Unlock()
	if first != nil && whilePending(first, func() (then func()) {
		// Made here and not stored yet (its first request is still
		// running, or could not store it): the Store knows nothing of
		// it, so it ends at its own deadline.
		first.mu.Lock()
		due := first.viewLocked().due
		first.mu.Unlock()
		if left := due - m.now(); left > 0 {
			w.requeue(m, e, time.Duration(left))
			return nil
		}
		return w.endChecked(m, e, uid, nil, sessionhook.Timeout)
	}) {
		return
	}
	rec, err := m.store.Check(ctx, uid)
	switch {
	case err == nil && rec.RenamedTo != "":
		id, ok := parseUID(rec.RenamedTo)
		if !ok {
			m.log().Error("session: the store renamed a session to a malformed uid", "uid", uid, "to", rec.RenamedTo)
			w.requeue(m, e, retryDelay)
			return
		}
		w.rename(uid, rec.RenamedTo, id, nil)
		w.requeue(m, e, 0)
	case err == nil && !rec.Ended:
		w.recovered(m)
		w.requeue(m, e, rec.Deadline.Sub(rec.Now)+dueSlack)
	case err == nil || errors.Is(err, ErrNotFound):
		w.recovered(m)
		w.endChecked(m, e, uid, rec, sessionhook.Shared)()
	default:
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		first := !w.failing
		w.failing = true
		w.mu.Unlock()
		if first {
			m.log().Warn("session: cannot confirm the end of sessions with the store; expiry callbacks wait",
				"err", err)
		}
		w.requeue(m, e, retryDelay)
	}
}

// recovered notes that the Store answers again.
func (w *watcher) recovered(m *Manager) {
	w.mu.Lock()
	was := w.failing
	w.failing = false
	w.mu.Unlock()
	if was {
		m.log().Info("session: the store answers again")
	}
}

// requeue puts e back in the heap, due after d (at once if a notice came
// while it was out).
func (w *watcher) requeue(m *Manager, e *watch, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.byUID[e.uid] != e || e.index >= 0 {
		return // ended or closed meanwhile
	}
	if e.again {
		d, e.again = 0, false
	}
	e.due = m.now() + int64(max(d, 0))
	heap.Push(&w.h, e)
}

// rename re-keys the watch of old to uid, and gives its sessions, and s if
// not nil, the id. The ids change under w.mu with the watch, so that a
// watch is always under the uid of its sessions: an add or an end that
// reads a session's uid finds its watch. If s no longer has the uid old,
// rename does nothing: a check that saw this rename in the Store, or a
// later Renew, moved s on already, and must not be undone.
func (w *watcher) rename(old, uid string, id uuid.UUID, s *Session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s != nil {
		s.mu.Lock()
		moved := s.id.String() != old
		if !moved {
			s.id = id
		}
		s.mu.Unlock()
		if moved {
			return
		}
	}
	e := w.byUID[old]
	if e == nil {
		return
	}
	delete(w.byUID, old)
	e.uid = uid
	if other := w.byUID[uid]; other != nil {
		// Watched under both ids: merge into e.
		other.sessions = append(other.sessions, e.sessions...)
		e.sessions = other.sessions
		if other.index >= 0 {
			heap.Remove(&w.h, other.index)
		}
	}
	w.byUID[uid] = e
	for _, x := range e.sessions {
		x.mu.Lock()
		x.id = id
		x.mu.Unlock()
	}
}

// end marks expired every view in this process of the session uid, which
// the Store confirmed has ended, that has callbacks registered (and s, if
// not nil), and returns the func that runs their callbacks, to be called
// outside any lock. rec, if not nil, holds its components as they were at
// the end; why is what the inspector is told (see sessionhook).
func (w *watcher) end(m *Manager, uid string, rec *Record, s *Session, why string) (run func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.finishLocked(m, uid, rec, w.takeLocked(uid), s, why)
}

// endChecked is end for e, the watch whose check found its session ended
// under uid, unless a Renew here re-keyed e meanwhile: the answer was
// about the old uid, and e is checked again under its new one (run then
// does nothing).
func (w *watcher) endChecked(m *Manager, e *watch, uid string, rec *Record, why string) (run func()) {
	w.mu.Lock()
	if e.uid != uid {
		if !w.closed && w.byUID[e.uid] == e && e.index < 0 {
			e.due = m.now()
			heap.Push(&w.h, e)
		}
		w.mu.Unlock()
		return func() {}
	}
	defer w.mu.Unlock()
	return w.finishLocked(m, uid, rec, w.takeLocked(uid), nil, why)
}

// takeLocked removes the watch of uid and returns its sessions. w.mu must
// be held.
func (w *watcher) takeLocked(uid string) []*Session {
	e := w.byUID[uid]
	if e == nil {
		return nil
	}
	delete(w.byUID, uid)
	if e.index >= 0 {
		heap.Remove(&w.h, e.index)
	}
	return e.sessions
}

// finishLocked marks sessions, and s if not nil, expired for end, and
// returns the func that runs their callbacks and tells the inspector,
// unless every one of them had ended already: an end that another (the
// watcher's check, an Expire) marked first is that one's to tell. w.mu
// must be held, so that an add after it sees them expired.
func (w *watcher) finishLocked(m *Manager, uid string, rec *Record, sessions []*Session, s *Session, why string) (run func()) {
	if s != nil && !contains(sessions, s) {
		sessions = append(sessions, s)
	}
	cbs := make([][]func(), len(sessions))
	marked := false
	for i, x := range sessions {
		x.mu.Lock()
		if rec != nil {
			// Each view gets its own map: an Update through one of
			// them that the Store took before the end may still write
			// its view, under that view's lock only.
			r := *rec
			r.Components = maps.Clone(rec.Components)
			m.applyLocked(x, &r)
		}
		var ok bool
		cbs[i], ok = x.markExpiredLocked()
		marked = marked || ok
		x.mu.Unlock()
	}
	return func() {
		ran := 0
		for i, x := range sessions {
			x.runCallbacks(cbs[i], m)
			ran += len(cbs[i])
		}
		if marked && sessionhook.Watched(&m.hook) {
			m.tell(uid, sessions[0], why, ran)
		}
	}
}

func contains(ss []*Session, s *Session) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// listen is the goroutine that runs the Store's Watch until close.
func (w *watcher) listen(ctx context.Context, m *Manager) {
	defer w.done.Done()
	notify := func(uid string) { w.notify(m, uid) }
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := m.store.Watch(ctx, notify)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			m.log().Warn("session: watching the store failed", "err", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// len returns the number of sessions watched.
func (w *watcher) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.byUID)
}

// all iterates over one view of each watched session.
func (w *watcher) all() iter.Seq[*Session] {
	return func(yield func(*Session) bool) {
		w.mu.Lock()
		snap := make([]*Session, 0, len(w.byUID))
		for _, e := range w.byUID {
			if len(e.sessions) > 0 {
				snap = append(snap, e.sessions[0])
			}
		}
		w.mu.Unlock()
		yieldLive(snap, yield)
	}
}

// close stops the goroutines, waits for them, and drops every watch.
func (w *watcher) close() {
	w.mu.Lock()
	w.closed = true
	cancel := w.cancel
	w.byUID = nil
	w.h = nil
	w.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	w.done.Wait()
}
