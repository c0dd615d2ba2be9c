package session

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"time"
)

// Errors of the package. A [Store] returns ErrNotFound, ErrConflict and
// ErrDuplicateUID as its contract says, and any other error for a failure
// to reach its storage, which the [Manager] wraps in ErrUnavailable.
var (
	// ErrNotFound is returned by Manager.Lookup and Manager.Access for a
	// uid that names no live session (including text that is not a
	// canonical UUID).
	ErrNotFound = errors.New("session: no live session with that uid")

	// ErrNotLive is returned by Manager.Renew, Update, Delete and Touch
	// for a session that is no longer live: expired, or never added.
	ErrNotLive = errors.New("session: session not live")

	// ErrClosed is returned by Manager.Make and Manager.Renew after
	// Manager.Close.
	ErrClosed = errors.New("session: manager closed")

	// ErrDuplicateUID is returned when a new uid is already in use. With
	// random v4 UUIDs it means a bug.
	ErrDuplicateUID = errors.New("session: uid already in use")

	// ErrUnavailable is wrapped by every error a Manager returns because
	// its Store could not be reached or failed. A web Site answers a
	// request that needs a session with 503 Service Unavailable while it
	// lasts.
	ErrUnavailable = errors.New("session: store unavailable")

	// ErrConflict is returned by Store.Update when the component is not
	// the value the update was based on. The Manager retries; it
	// never returns ErrConflict itself.
	ErrConflict = errors.New("session: concurrent update")
)

// A Store keeps sessions outside the process, so that they outlive it and
// so that several processes serving one site (instances behind a load
// balancer) share them. It is the one extension point of a [Manager]: a
// Manager without a Store keeps its sessions in memory, which needs no
// configuration. Package github.com/gotwisted/web/session/redisstore, a
// module of its own, implements Store on Redis.
//
// A Store keeps, per session, a record (see [Record]): its timeouts and
// times on the Store's own clock, and its components as bytes
// (encoded by the Store's [Codec]). It decides when a session ends (its
// deadline, or an Expire through any process) and must make every method
// atomic with respect to the others, across processes: the [Manager] relies
// on it for sliding expiry, for confirming an end before it runs the
// expiry callbacks registered in its process, and for updates that lose
// nothing.
//
// Methods return ErrNotFound, ErrConflict and ErrDuplicateUID as described
// below, and any other error only for a failure of the storage itself
// (unreachable, timed out). They are called with the contexts of the
// Manager's own work and must honour them. A Store must be safe for
// concurrent use.
type Store interface {
	// Create stores a new live session with rec's UID, Timeout, Lifetime
	// and Components (a Manager stores a new session with its first
	// component, in one call), and fills in rec's times (Created,
	// LastAccess, Deadline, Now), which may be estimates, but whose
	// Deadline-Now must be the time the session has to live. The uid is a
	// fresh random v4 UUID, so a Store need not check that it is free; it
	// may return ErrDuplicateUID if it does.
	Create(ctx context.Context, rec *Record) error

	// Load returns the record of the live session uid, components
	// included. If touch is set it first records an access now, which
	// moves the idle deadline. It returns ErrNotFound if no live session
	// has uid.
	Load(ctx context.Context, uid string, touch bool) (*Record, error)

	// Update sets the component name of the live session uid to data, or
	// removes it if data is nil, provided its current value is old (nil:
	// absent): a compare-and-set, atomic across processes. If the value is
	// not old, it changes nothing and returns the current value (nil if
	// absent) with ErrConflict, from which the Manager retries. It returns
	// ErrNotFound if the session is not live. Update does not touch the
	// session.
	Update(ctx context.Context, uid, name string, old, data []byte) (current []byte, err error)

	// Expire ends the live session uid now, for every process, and returns
	// its record as it was when it ended (for the callbacks). If Rename
	// moved the session away from uid, it ends nothing and returns a
	// record whose RenamedTo is the new uid, as Check does, and the
	// Manager expires that one. It returns ErrNotFound if the session is
	// not live.
	Expire(ctx context.Context, uid string) (*Record, error)

	// Rename moves the live session uid, with its data and deadline, to
	// newUID, and leaves at uid a note that Check reports as RenamedTo
	// for as long as the session would have lived. It returns ErrNotFound
	// if uid is not live and ErrDuplicateUID if newUID is in use.
	Rename(ctx context.Context, uid, newUID string) error

	// Check reports what became of session uid, without touching it, for
	// the expiry callbacks registered in this process: live (Ended false,
	// with Deadline and Now), ended (Ended, with the components as they
	// were at the end if the store still has them), or renamed
	// (RenamedTo). It returns ErrNotFound if the store no longer knows
	// uid at all, which the Manager takes as an end.
	Check(ctx context.Context, uid string) (*Record, error)

	// Watch calls notify(uid) when session uid may have ended or been
	// renamed through any process, and notify("") when notices may have
	// been missed: when it starts listening, and after each reconnection.
	// A notice comes only once the change it reports is seen by the other
	// methods, and notify("") only once every later change will be
	// reported: the Manager relies on this to tell whether a read of a
	// session came before a change it heard of.
	// It returns when ctx is done (or fails for good), and must not call
	// notify after it has returned.
	Watch(ctx context.Context, notify func(uid string)) error

	// Codec returns how the Store's components are encoded; nil means
	// [GobCodec].
	Codec() Codec
}

// A Record is a session as a [Store] keeps it. Times are on the Store's
// clock.
type Record struct {
	UID      string
	Timeout  time.Duration // idle timeout
	Lifetime time.Duration // absolute lifetime; 0 means none

	Created    time.Time
	LastAccess time.Time
	// Deadline is when the session ends if it is not touched again: at
	// the latest LastAccess+Timeout or Created+Lifetime; a Store may end a
	// session earlier (for instance one whose visitor never came back).
	Deadline time.Time
	// Now is the Store's time when the record was read.
	Now time.Time

	// Components holds the encoded components by name.
	Components map[string][]byte

	Ended     bool   // the session has ended; set by Check only
	RenamedTo string // the session lives on under this uid; by Check and Expire
}

// A Codec turns components into bytes for a [Store], and back. It must be
// safe for concurrent use.
type Codec interface {
	// Marshal encodes v, a component value.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a pointer to a component value.
	Unmarshal(data []byte, v any) error
}

// GobCodec is the default [Codec]: encoding/gob, which needs nothing
// declared for struct types with exported fields. Each component is a
// stream of its own, so it carries its type description.
type GobCodec struct{}

// Marshal encodes v with encoding/gob.
func (GobCodec) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Unmarshal decodes data with encoding/gob.
func (GobCodec) Unmarshal(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}
