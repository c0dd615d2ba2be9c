package session

import (
	"fmt"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/sessionhook"
)

// DefaultTimeout is the idle timeout of a session made by [New]: a session
// that nobody touches for this long expires. It is Twisted's
// Session.sessionTimeout.
const DefaultTimeout = 15 * time.Minute

// A Factory makes the [Session] for a fresh uid. A [Manager] calls its
// factory with a new random v4 UUID whenever a visitor without a live
// session asks for one; the factory chooses the timeouts (Twisted's
// Site.sessionFactory). [New] is a Factory, and [WithTimeout] and
// [WithLifetime] make others. A Factory must be safe for concurrent use and
// must return a new Session for the uid it is given, made by New or by
// another Factory.
type Factory func(uid string) *Session

// A Session is the state a site keeps for one visitor between requests: an
// id, timeouts, expiry callbacks and typed components (see [Component]).
//
// A Session expires at its [Session.Deadline]: after [Session.Timeout] with
// no [Session.Touch], or [Session.Lifetime] after it was created, whichever
// comes first. Its [Manager] expires it on time; [Session.Expire] ends it at
// once. Expiry is final.
//
// With a [Store], a Session is this process's view of a session the Store
// keeps: the Manager reads it from the Store once per request (a web Site
// does so in GetSession), reads of its components come from that view, and
// every change goes to the Store at once.
//
// All methods are safe for concurrent use by multiple goroutines, including
// from inside the Session's own expiry callbacks. A Session must be made by
// [New], a [Factory] or a Manager; the zero value is not usable. A Session
// must not be copied.
type Session struct {
	// created is the creation time in unix nanoseconds: set by
	// construction and once more when its Manager adopts it, before the
	// Session is published. Atomic so that Created never races with that.
	created atomic.Int64

	// Immutable after construction.
	timeout  int64 // idle timeout in nanoseconds, > 0
	lifetime int64 // absolute lifetime in nanoseconds, 0 = none

	last atomic.Int64 // last access, unix nanoseconds; only moves forward

	// m is the Manager of the Session, nil until one adopts it. It is set
	// once, with mu held, before the Session is published, and read
	// without mu.
	m atomic.Pointer[Manager]

	// expired is set, with mu held, exactly once. It is atomic so that
	// Expired and lookups read it without taking mu.
	expired atomic.Bool

	// index is the Session's position in its in-memory Manager's heap, -1
	// when it is in none. Guarded by the Manager's memStore.mu.
	index int32

	// mu guards the fields below; see the lock order in memstore.go.
	mu sync.Mutex
	// id is the uid. While the Session is in an in-memory Manager, id is
	// written only with both memStore.mu and mu held, so either lock
	// suffices to read it.
	id  uuid.UUID
	ext *extra // callbacks, components, a Store's record; nil until used
}

// extra holds the parts of a Session that most in-memory sessions never
// use, so that a bare Session stays small. It is kept to 32 bytes (one
// callback costs a session 40 more bytes, BenchmarkExpireMillion): what
// fewer sessions have is one pointer further.
type extra struct {
	callbacks []func()
	data      *data // nil until the first component
}

// data holds a Session's components: in memory, or a Store's view.
type data struct {
	comps []comp // in memory: one per component type
	rec   *view  // with a Store: what this process knows of the record
}

// viewLocked returns the Store's view of s, a session of a Manager with a
// Store. s.mu must be held, or s unpublished.
func (s *Session) viewLocked() *view { return s.ext.data.rec }

// dataLocked returns s's data, making it if needed. s.mu must be held.
func (s *Session) dataLocked() *data {
	if s.ext == nil {
		s.ext = new(extra)
	}
	if s.ext.data == nil {
		s.ext.data = new(data)
	}
	return s.ext.data
}

// New returns a Session with the given uid, the [DefaultTimeout] idle
// timeout and no absolute lifetime. New has the [Factory] signature, and is
// what a [Manager] uses when no factory is set.
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
// In memory both run on the [Manager]'s clock, which is monotonic: time
// during which the machine is suspended does not count toward them. A
// [Store] runs them on its own clock.
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
// only when [Manager.Renew] gives the Session a new id (with a [Store],
// possibly through another process, which this one learns when it next
// checks the session).
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

// Created returns the time the Session started: once its [Manager] has it,
// the time it was added, on the Manager's clock (or the [Store]'s).
func (s *Session) Created() time.Time { return time.Unix(0, s.created.Load()) }

// LastAccess returns the time of the latest touch, or the creation time if
// there was none. With a [Store], it is the latest this process has seen.
func (s *Session) LastAccess() time.Time { return time.Unix(0, s.last.Load()) }

// Touch records an access now, postponing the idle expiry by
// [Session.Timeout]. A web Site's GetSession touches the session, so a
// resource rarely needs to. Touching an expired Session has no effect on
// its fate, and the absolute [Session.Lifetime] is never extended.
//
// In memory Touch takes no lock and does not allocate, and never fails.
// With a [Store] it is a round trip that also reloads the Session's
// components, and it returns an error wrapping [ErrUnavailable] if the
// Store cannot be reached, or [ErrNotLive] if the session has ended. A
// [Manager.Renew] of the session, through this process or another, does
// not end it: Touch follows it to its new uid, which the Session then has
// (as [Update] and Expire follow it).
func (s *Session) Touch() error {
	m := s.m.Load()
	if m != nil && m.store != nil {
		return m.touchStored(s)
	}
	s.touch(m.now())
	return nil
}

// touchIfLive touches s at n, as touch does, if it is live at n: not
// expired, and its deadline after n. It reports whether it was. A
// Manager adopts the session a cookie names this way, so that a session
// past its deadline that the scheduler has not reaped yet is never revived.
func (s *Session) touchIfLive(n int64) bool {
	if s.expired.Load() || n >= s.deadline() {
		return false
	}
	s.touch(n)
	return true
}

// touch records an access at n. The access time only moves forward: an n
// earlier than the last access is ignored. The scheduler notices the new
// deadline when the old one comes due.
func (s *Session) touch(n int64) {
	for {
		old := s.last.Load()
		if n <= old || s.last.CompareAndSwap(old, n) {
			return
		}
	}
}

// Deadline returns the time at which the Session expires if it is not
// touched again: the earlier of LastAccess+Timeout and Created+Lifetime. A
// [Store] may end a session earlier (for instance one whose visitor never
// came back); Deadline then says so, as of the last time this process read
// the session.
func (s *Session) Deadline() time.Time {
	if m := s.m.Load(); m != nil && m.store != nil {
		s.mu.Lock()
		d := s.viewLocked().deadline
		s.mu.Unlock()
		return time.Unix(0, d)
	}
	return time.Unix(0, s.deadline())
}

// deadline is the in-memory Deadline in unix nanoseconds, saturating
// instead of overflowing.
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
// true. With a [Store], it reports what this process knows: the end of a
// session through another process is seen here when this process next
// reads it, or at once for a session with expiry callbacks registered here.
func (s *Session) Expired() bool { return s.expired.Load() }

// Expire ends the Session now. It first removes the Session from its
// [Manager], so that lookups no longer find it, then runs the callbacks
// registered with [Session.NotifyOnExpire] in registration order, in the
// calling goroutine and outside any lock. A callback that panics is
// recovered and logged with its stack through the Manager's Logger (or
// [slog.Default]), and the remaining callbacks still run. With a [Store],
// the session ends for every process sharing it, and each runs the
// callbacks registered through it.
//
// Expire is idempotent: only the first call, whoever makes it (the
// scheduler, a request, a callback), runs the callbacks; later or
// concurrent calls return at once, possibly before those callbacks have
// finished. It may be called before the Session is in a Manager, after
// the Manager is closed, and from inside the Session's own callbacks.
//
// In memory Expire never fails. With a Store it returns an error wrapping
// [ErrUnavailable] if the Store could not record the end; the Session is
// then still live (a logout must be retried).
func (s *Session) Expire() error {
	m := s.m.Load()
	if m != nil && m.store != nil {
		return m.expireStored(s)
	}
	s.mu.Lock()
	cbs, ok := s.markExpiredLocked()
	s.mu.Unlock()
	if !ok {
		return nil
	}
	if m != nil {
		m.mem.remove(s)
	}
	s.runCallbacks(cbs, m)
	m.ended(s, sessionhook.Expired, len(cbs))
	return nil
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

// runCallbacks runs cbs in order, logging any panic through m's logger.
func (s *Session) runCallbacks(cbs []func(), m *Manager) {
	for _, f := range cbs {
		s.runCallback(f, m)
	}
}

func (s *Session) runCallback(f func(), m *Manager) {
	defer func() {
		if r := recover(); r != nil {
			m.log().Error("session: panic in expiry callback",
				"uid", s.UID(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// NotifyOnExpire registers f to run once when the Session expires, after
// the callbacks registered before it. If the Session has already expired,
// f runs at once in the calling goroutine. Callbacks run in the goroutine
// that expires the Session: the [Manager]'s scheduler, a caller of
// [Session.Expire], or a caller of [Manager.Make] that evicts the Session;
// a slow callback delays the expiry of other sessions, so hand long work
// to another goroutine. A callback may use the Session freely (Touch,
// Expire, NotifyOnExpire, components). It reads the components as they
// were when the Session ended, without waiting for an [Update] in
// progress, even one whose f ended the Session: that Update stores
// nothing. NotifyOnExpire panics if f is nil.
//
// With a [Store], f runs in this process only, once, when the Store
// confirms the end of the session, wherever it happened: a timeout after
// the last touch through any process, an Expire through any process. Until
// the Store confirms it, f does not run: not while the session is live
// elsewhere, nor while the Store cannot be reached. A [Manager.Renew]
// through any process carries f to the new id.
//
// The callbacks of a Session still live when its Manager is closed never
// run (see [Manager.Close]).
func (s *Session) NotifyOnExpire(f func()) {
	if f == nil {
		panic("session: NotifyOnExpire with a nil func")
	}
	s.mu.Lock()
	if s.expired.Load() {
		s.mu.Unlock()
		s.runCallback(f, s.m.Load())
		return
	}
	if s.ext == nil {
		s.ext = new(extra)
	}
	s.ext.callbacks = append(s.ext.callbacks, f)
	s.mu.Unlock()
	if m := s.m.Load(); m != nil && m.store != nil {
		m.w.add(m, s)
	}
}
