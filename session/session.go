package session

import (
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// DefaultTimeout is the idle timeout of a session made by [New]: a session
// that nobody touches for this long expires. It is Twisted's
// Session.sessionTimeout.
const DefaultTimeout = 15 * time.Minute

// A Factory makes the [Session] for a fresh uid. A web Site calls its
// factory with a new random v4 UUID whenever a visitor without a live
// session asks for one; the factory chooses the timeouts (Twisted's
// Site.sessionFactory). [New] is a Factory, and [WithTimeout] and
// [WithLifetime] make others. A Factory must be safe for concurrent use and
// must return a new, unregistered Session for the uid it is given.
type Factory func(uid string) *Session

// A Session is the state a site keeps for one visitor between requests: an
// id, timeouts, expiry callbacks and typed components (see [Component]).
//
// A Session expires at its [Session.Deadline]: after [Session.Timeout] with
// no [Session.Touch], or [Session.Lifetime] after it was created, whichever
// comes first. Once a Session is in a [Store], the Store's scheduler expires
// it on time; [Session.Expire] ends it at once. Expiry is final.
//
// All methods are safe for concurrent use by multiple goroutines, including
// from inside the Session's own expiry callbacks. A Session must be made by
// [New] or a [Factory]; the zero value is not usable. A Session must not be
// copied.
type Session struct {
	// created is the creation time in unix nanoseconds: set by
	// construction and once more by Store.Add, before the store publishes
	// the Session. Atomic so that Created never races with Add.
	created atomic.Int64

	// Immutable after construction.
	timeout  int64 // idle timeout in nanoseconds, > 0
	lifetime int64 // absolute lifetime in nanoseconds, 0 = none

	last atomic.Int64 // last access, unix nanoseconds; only moves forward

	// store is the Store the Session was added to, nil until then. It is
	// set once, by Store.Add with mu held, and read without mu by Touch.
	store atomic.Pointer[Store]

	// expired is set, with mu held, exactly once. It is atomic so that
	// Expired and Store.Get read it without taking mu.
	expired atomic.Bool

	// index is the Session's position in its store's heap, -1 when it is
	// in none. Guarded by store.mu.
	index int32

	// mu guards the fields below; see the lock order in store.go.
	mu sync.Mutex
	// id is the uid. While the Session is in a store, id is written only
	// with both store.mu and mu held, so either lock suffices to read it.
	id  uuid.UUID
	ext *extra // callbacks and components; nil until first used
}

// extra holds the parts of a Session that most sessions never use, so that
// a bare Session stays small.
type extra struct {
	callbacks []func()
	comps     map[any]any // key[T]{} -> *cell[T]
}

// New returns a Session with the given uid, the [DefaultTimeout] idle
// timeout and no absolute lifetime. It reads the clock once, for both
// [Session.Created] and [Session.LastAccess]. New has the [Factory]
// signature, and is what a Site uses when no factory is set.
//
// The uid must be a UUID in its canonical 36-character text form, as
// uuid.NewString makes; New panics otherwise.
func New(uid string) *Session {
	return newSession(uid, int64(DefaultTimeout), 0)
}

// WithTimeout returns a [Factory] whose sessions expire after d without a
// touch and have no absolute lifetime: Twisted's ShortSession, where a
// subclass overrode sessionTimeout. It panics if d is not positive.
func WithTimeout(d time.Duration) Factory {
	if d <= 0 {
		panic(fmt.Sprintf("session: WithTimeout(%v): timeout must be positive", d))
	}
	return func(uid string) *Session { return newSession(uid, int64(d), 0) }
}

// WithLifetime returns a [Factory] whose sessions expire after idle without
// a touch, and in any case max after they were created, however active
// the visitor is (the absolute timeout OWASP recommends). A max of 0 means
// no absolute lifetime, as [WithTimeout]. It panics if idle is not positive
// or max is negative.
//
// Both run on the [Store]'s [Clock], which is monotonic: time during which
// the machine is suspended does not count toward them.
func WithLifetime(idle, max time.Duration) Factory {
	if idle <= 0 {
		panic(fmt.Sprintf("session: WithLifetime(%v, %v): idle timeout must be positive", idle, max))
	}
	if max < 0 {
		panic(fmt.Sprintf("session: WithLifetime(%v, %v): lifetime must not be negative", idle, max))
	}
	return func(uid string) *Session { return newSession(uid, int64(idle), int64(max)) }
}

func newSession(uid string, timeout, lifetime int64) *Session {
	id, ok := parseUID(uid)
	if !ok {
		panic(fmt.Sprintf("session: uid %q is not a canonical UUID", uid))
	}
	now := time.Now().UnixNano()
	s := &Session{
		timeout:  timeout,
		lifetime: lifetime,
		index:    -1,
		id:       id,
	}
	s.created.Store(now)
	s.last.Store(now)
	return s
}

// UID returns the Session's id, a UUID in canonical text form. It changes
// only when [Store.Rename] gives the Session a new id.
func (s *Session) UID() string {
	s.mu.Lock()
	id := s.id
	s.mu.Unlock()
	return id.String()
}

// Timeout returns the idle timeout: the Session expires this long after
// its last access.
func (s *Session) Timeout() time.Duration { return time.Duration(s.timeout) }

// Lifetime returns the absolute lifetime: the Session expires this long
// after [Session.Created] however often it is touched. Zero means none.
func (s *Session) Lifetime() time.Duration { return time.Duration(s.lifetime) }

// Created returns the time the Session was made, or, once it is in a
// [Store], the time it was added, on the Store's [Clock].
func (s *Session) Created() time.Time { return time.Unix(0, s.created.Load()) }

// LastAccess returns the latest time given to [Session.Touch] or
// [Session.TouchAt], or the creation time if there was none. Once the
// Session is in a [Store], it is on the Store's [Clock]; [Store.Add]
// resets it to the time of the Add, dropping any earlier touch.
func (s *Session) LastAccess() time.Time { return time.Unix(0, s.last.Load()) }

// Touch records an access now, postponing the idle expiry by
// [Session.Timeout]. It is TouchAt(now), with now read from the [Clock] of
// the Session's [Store], or from [time.Now] before it is in one.
func (s *Session) Touch() { s.touch(s.store.Load().now()) }

// TouchAt records an access at now, postponing the idle expiry to
// now+[Session.Timeout]. The access time only moves forward: a now earlier
// than the last access is ignored. now must come from the [Clock] of the
// Session's [Store] (st.Clock().Now()), which all its times are on: a time
// from time.Now may be earlier, and ignored, after the wall clock was set
// back. A web Site reads that clock once per request (request.Request.Now)
// and touches with that time.
//
// TouchAt takes no lock and does not allocate; the [Store]'s scheduler
// notices the new deadline when the old one comes due. Touching an expired
// Session has no effect on its fate, and the absolute [Session.Lifetime]
// is never extended.
func (s *Session) TouchAt(now time.Time) { s.touch(now.UnixNano()) }

// TouchIfLive touches the Session at now, as TouchAt does, if it is live
// at now: not expired, and its Deadline after now. It reports whether it
// was. A web Site adopts the session a cookie names this way, so that a
// session past its deadline that the scheduler has not reaped yet is never
// revived.
func (s *Session) TouchIfLive(now time.Time) bool {
	n := now.UnixNano()
	if s.expired.Load() || n >= s.deadline() {
		return false
	}
	s.touch(n)
	return true
}

func (s *Session) touch(n int64) {
	for {
		old := s.last.Load()
		if n <= old || s.last.CompareAndSwap(old, n) {
			return
		}
	}
}

// Deadline returns the time at which the Session expires if it is not
// touched again: the earlier of LastAccess+Timeout and Created+Lifetime,
// on the [Store]'s [Clock] once the Session is in one.
func (s *Session) Deadline() time.Time { return time.Unix(0, s.deadline()) }

// deadline is Deadline in unix nanoseconds, saturating instead of
// overflowing.
func (s *Session) deadline() int64 {
	d := addSat(s.last.Load(), s.timeout)
	if s.lifetime > 0 {
		d = min(d, addSat(s.created.Load(), s.lifetime))
	}
	return d
}

func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Expired reports whether the Session has expired. Once true, it stays
// true.
func (s *Session) Expired() bool { return s.expired.Load() }

// Expire ends the Session now. It first removes the Session from its
// [Store], so that [Store.Get] no longer finds it, then runs the callbacks
// registered with [Session.NotifyOnExpire] in registration order, in the
// calling goroutine and outside any lock. A callback that panics is
// recovered and logged with its stack through the Store's Logger (or
// [slog.Default] for a Session in no Store), and the remaining callbacks
// still run.
//
// Expire is idempotent: only the first call, whoever makes it (the
// scheduler, a request, a callback), runs the callbacks; later or
// concurrent calls return at once, possibly before those callbacks have
// finished. It may be called before the Session is added to a Store (the
// Store then never holds it), after the Store is closed, and from inside
// the Session's own callbacks.
func (s *Session) Expire() {
	s.mu.Lock()
	cbs, ok := s.markExpiredLocked()
	st := s.store.Load()
	s.mu.Unlock()
	if !ok {
		return
	}
	if st != nil {
		st.remove(s)
	}
	s.runCallbacks(cbs, st)
}

// markExpiredLocked marks s expired and takes its callbacks. It reports
// false if s had already expired. s.mu must be held.
func (s *Session) markExpiredLocked() ([]func(), bool) {
	if s.expired.Load() {
		return nil, false
	}
	s.expired.Store(true)
	var cbs []func()
	if s.ext != nil {
		cbs = s.ext.callbacks
		s.ext.callbacks = nil
	}
	return cbs, true
}

// runCallbacks runs cbs in order, logging any panic through st's logger.
func (s *Session) runCallbacks(cbs []func(), st *Store) {
	for _, f := range cbs {
		s.runCallback(f, st)
	}
}

func (s *Session) runCallback(f func(), st *Store) {
	defer func() {
		if r := recover(); r != nil {
			logger := slog.Default()
			if st != nil {
				logger = st.log()
			}
			logger.Error("session: panic in expiry callback",
				"uid", s.UID(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// NotifyOnExpire registers f to run once when the Session expires, after
// the callbacks registered before it. If the Session has already expired,
// f runs at once in the calling goroutine. Callbacks run in the goroutine
// that expires the Session: the Store's scheduler, a caller of
// [Session.Expire], or a caller of [Store.Add] that evicts the Session; a
// slow callback delays the expiry of other sessions, so hand long work to
// another goroutine. A callback may use the Session freely (Touch, Expire,
// NotifyOnExpire, components). NotifyOnExpire panics if f is nil.
//
// The callbacks of a Session still live when its Store is closed never
// run (see [Store.Close]).
func (s *Session) NotifyOnExpire(f func()) {
	if f == nil {
		panic("session: NotifyOnExpire with a nil func")
	}
	s.mu.Lock()
	if s.expired.Load() {
		st := s.store.Load()
		s.mu.Unlock()
		s.runCallback(f, st)
		return
	}
	if s.ext == nil {
		s.ext = new(extra)
	}
	s.ext.callbacks = append(s.ext.callbacks, f)
	s.mu.Unlock()
}
