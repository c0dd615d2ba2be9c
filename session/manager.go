package session

import (
	"crypto/rand"
	"hash/maphash"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/sessionhook"
)

// DefaultMaxSessions is the number of live sessions an in-memory [Manager]
// holds when Options.MaxSessions is zero.
const DefaultMaxSessions = 1_000_000

// Options configures a [Manager]. The zero value means all defaults:
// sessions in memory, made by [New].
type Options struct {
	// Factory makes the session for a fresh uid; nil means New (a
	// 15-minute idle timeout).
	Factory Factory

	// Store keeps the sessions outside the process, shared with other
	// processes; nil keeps them in this process's memory.
	Store Store

	// MaxSessions caps the number of live sessions in memory (it does not
	// apply to a Store). When Make would go beyond it, the session with
	// the earliest scheduled deadline is expired first, callbacks and all,
	// in the goroutine calling Make, so that clients which never send
	// their cookie back cannot exhaust memory. Zero or negative means
	// DefaultMaxSessions.
	MaxSessions int

	// Logger receives the panics of expiry callbacks, with their stacks,
	// and a Store's failures to confirm the end of a session. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// A Manager makes, finds, renews and expires the sessions of one site, and
// runs their expiry callbacks: a web Site holds one, and its requests'
// GetSession uses it. It keeps its sessions in memory, or in a [Store]
// shared with other processes.
//
// In memory, a Manager indexes its live sessions by uid and expires them
// on time with one goroutine and one timer, armed for the earliest
// deadline of a min-heap; the goroutine starts with the first session and
// stops in [Manager.Close]. Touching a session does not reschedule it: the
// scheduler reads the real deadline when the scheduled one comes due.
//
// With a Store, the Store decides when a session ends; the Manager keeps in
// memory only the sessions that have expiry callbacks registered in this
// process, in the same kind of min-heap, and checks each with the Store
// when its deadline comes (and when the Store says it may have ended
// elsewhere) before it runs the callbacks.
//
// A Manager is safe for concurrent use. Make one with [NewManager]; the
// zero value is not usable. Close it to stop its goroutines.
type Manager struct {
	// Immutable after NewManager.
	factory Factory
	store   Store // nil: in memory
	codec   Codec // with a Store
	logger  *slog.Logger
	clock   *clock

	mem memStore // in memory
	w   watcher  // with a Store: sessions with callbacks here

	// With a Store: the locks that updates of one component take in turn.
	updates updateLocks

	hook // what the inspector sees: see inspect.go
}

// NewManager returns a Manager configured by opts. It starts no goroutine.
func NewManager(opts Options) *Manager {
	m := &Manager{
		factory: opts.Factory,
		store:   opts.Store,
		logger:  opts.Logger,
		clock:   newClock(),
	}
	m.updates.seed = maphash.MakeSeed()
	if m.factory == nil {
		m.factory = New
	}
	if m.store != nil {
		m.codec = m.store.Codec()
		if m.codec == nil || m.codec == Codec(GobCodec{}) {
			m.codec = new(gobCodec)
		}
	}
	max := opts.MaxSessions
	if max <= 0 {
		max = DefaultMaxSessions
	}
	m.mem.init(m, max)
	sessionhook.Init(&m.hook, hookStats)
	return m
}

func (m *Manager) log() *slog.Logger {
	if m != nil && m.logger != nil {
		return m.logger
	}
	return slog.Default()
}

// now reads m's clock, or time.Now if m is nil.
func (m *Manager) now() int64 {
	if m == nil {
		return time.Now().UnixNano()
	}
	return m.clock.unixNano()
}

// Now returns the current time of the Manager's clock, the one its
// in-memory deadlines are on (a web Site's Request.Now reads it): the
// wall-clock time at which the Manager was made plus the monotonic time
// elapsed since. A step of the wall clock does not move it, so no session
// expires early or late because of one; it drifts from the wall clock by
// any such step. It does not advance while the machine is suspended. A
// Manager made in a testing/synctest bubble follows the bubble's fake
// clock.
func (m *Manager) Now() time.Time { return time.Unix(0, m.clock.unixNano()) }

// Make makes a session with a fresh random uid (a version 4 UUID) through
// the Factory and adds it: in memory, starting its expiry (and, when
// MaxSessions is reached, evicting the session nearest its deadline); with
// a Store, storing it (one round trip). Make returns [ErrClosed] after
// Close, and with a Store an error wrapping [ErrUnavailable] if it could
// not be stored. It panics if the Factory returns nil.
func (m *Manager) Make() (*Session, error) {
	s := m.factory(newUID())
	if s == nil {
		panic("session: the Factory returned nil")
	}
	if m.store != nil {
		return m.makeStored(s)
	}
	if err := m.mem.add(s, true); err != nil {
		return nil, err
	}
	return s, nil
}

// Lookup returns the live session named uid without touching it (Twisted's
// Site.getSession), or [ErrNotFound]. With a Store it is a round trip, and
// a failure returns an error wrapping [ErrUnavailable].
func (m *Manager) Lookup(uid string) (*Session, error) {
	if m.store != nil {
		return m.loadStored(uid, false)
	}
	if s := m.mem.get(uid); s != nil {
		return s, nil
	}
	return nil, ErrNotFound
}

// Access returns the live session named uid and records an access now, as
// a request that carries the session's cookie does (a web Site's
// GetSession calls it), or [ErrNotFound]. A session past its deadline is
// never revived, even before the scheduler has reaped it. In memory Access
// takes one read lock of one of 64 index shards and does not allocate;
// with a Store it is one round trip that loads the session's components
// too, and a failure returns an error wrapping [ErrUnavailable].
func (m *Manager) Access(uid string) (*Session, error) {
	if m.store != nil {
		return m.loadStored(uid, true)
	}
	if s := m.mem.get(uid); s != nil && s.touchIfLive(m.clock.unixNano()) {
		return s, nil
	}
	return nil, ErrNotFound
}

// Renew moves s, a live session of m, to a fresh random uid, keeping its
// components, callbacks and deadline: an id known before (say, before a
// login) names nothing afterwards, against session fixation. With a Store
// the callbacks registered through every process follow, and a Renew of
// a session made here waits for its first store if one is under way.
//
// Renew returns [ErrNotLive] if s is not live in m, [ErrClosed] after
// Close, and with a Store an error wrapping [ErrUnavailable] if the Store
// failed (the session then keeps its old uid).
func (m *Manager) Renew(s *Session) error {
	if m.store != nil {
		return m.renewStored(s)
	}
	return m.mem.rename(s, uuid.UUID(newID()))
}

// Len returns the number of live sessions in memory. With a Store it is
// the number of sessions this process watches because expiry callbacks
// were registered through it (the Store may hold many more).
func (m *Manager) Len() int {
	if m.store != nil {
		return m.w.len()
	}
	return m.mem.len()
}

// All returns an iterator over the live sessions in memory, in no
// particular order, for jobs such as "log this user out everywhere". Each
// iteration works on a snapshot taken when it starts, so the loop body may
// Expire sessions, Make new ones or call any other method; sessions that
// expire during the iteration before their turn are skipped, and sessions
// made during it are not seen. With a Store it iterates over the sessions
// this process watches, as Len counts them.
func (m *Manager) All() iter.Seq[*Session] {
	if m.store != nil {
		return m.w.all()
	}
	return m.mem.all()
}

// Close stops the Manager's goroutines and timers and waits for them to
// return, including any expiry callbacks they are running; so Close must
// not be called from an expiry callback. Close is idempotent.
//
// The sessions' callbacks that have not run are dropped: closing is for
// shutting a site down, not for logging everyone out (use All and
// [Session.Expire] for that). In memory the live sessions are dropped too,
// without being marked expired; with a Store they stay in it, for the
// next process to serve. After Close, an in-memory Manager finds nothing
// and Make returns ErrClosed.
func (m *Manager) Close() {
	m.mem.close()
	m.w.close()
}

// newID returns a random (version 4) UUID.
func newID() [16]byte {
	var id [16]byte
	_, _ = rand.Read(id[:])   // never fails (crypto/rand crashes the program instead)
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return id
}

// newUID returns newID in canonical text form. It is uuid.NewString
// without its heap-allocated intermediate UUID: the array stays on the
// stack, so the string is the only allocation (BenchmarkGetSessionNew in
// package site).
func newUID() string { return uuid.UUID(newID()).String() }
