package request

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gotwisted/web/session"
)

// SessionOption changes how GetSession picks a session.
type SessionOption int

// ForceNotSecure makes GetSession return the insecure session even over
// TLS (Twisted's forceNotSecure): its cookie has no Secure attribute and is
// sent over plain HTTP too.
const ForceNotSecure SessionOption = 1

// GetSession returns the visitor's session, creating it if needed, and
// touches it, so that a visitor who keeps coming keeps their session.
//
// The session is the one named by the request's session cookie if that
// names a live session of Config.Sessions; otherwise a new one is made
// through its factory and its cookie is set on the response. A second call
// in the same request returns the same session, unless it expired
// meanwhile, in which case a new one is made (and its cookie, not a
// clearing one, is sent). Over TLS the secure session (cookie with the
// Secure attribute) is returned unless ForceNotSecure is given. A response
// that uses a session carries Vary: Cookie and Cache-Control: private,
// added when the headers are sent (by the Request, or through
// ResponseWriter) to whatever the resource set, before or after GetSession
// (a Cache-Control that says private or no-store is left alone). If the
// session expires before the headers are sent, its cookie is cleared. The
// cookie is only sent if GetSession is called before the headers are sent
// (the first Write).
//
// When the sessions cannot be read or stored (a shared session.Store that
// cannot be reached, or a Manager already closed), GetSession panics with
// a *StatusError of code 503 that wraps the cause: the render stops there,
// and resource.Serve, which recovers it, logs the cause and answers with
// the 503 Service Unavailable page, as for a render that returned that
// error. So call GetSession while rendering (or in GetChild), not from a
// goroutine of your own after returning NotDoneYet, where nothing would
// recover the panic. Requests that never call GetSession never touch the
// sessions, and are served as usual. While GetSession waits for a shared
// store, or runs the expiry callbacks of a session that making a new one
// evicts, the Request's other methods stay available, to those callbacks
// and to other goroutines.
//
// With a shared store, a new session is stored with its first change, or
// else just before the headers that carry its cookie go out, by the
// method that sends them (Write, Flush, Finish, FinishWith or
// ResponseWriter's), which waits for it. Another method that would send
// them meanwhile waits too (or until the response ends: Abort, the client
// gone, the Site closed), and they go out once; the Request's other
// methods stay available. If the session cannot be stored, its cookie is
// not sent: FinishWith then sends nothing and returns the error
// (resource.Serve answers with the 503 page), while the others send the
// headers without it and log the failure, as FinishWith does when the
// response ended, or another goroutine sent the headers, during the store.
//
// GetSession panics if the Request was made without Config.Sessions.
func (r *Request) GetSession(opts ...SessionOption) *session.Session {
	m := r.cfg.Sessions
	if m == nil {
		panic("request: GetSession on a request without sessions (no Config.Sessions)")
	}
	tls := r.IsSecure()
	secure := tls && !slices.Contains(opts, ForceNotSecure)
	r.mu.Lock()
	slot, idx := &r.sess, 0
	if secure != tls {
		r.extLocked()
		slot, idx = &r.forcedSess, 1
	}
	prev := *slot
	r.mu.Unlock()
	if prev != nil && !prev.Expired() {
		return prev
	}
	// The Manager is called without r.mu: it may wait for a shared store,
	// and making a session may evict another, whose expiry callbacks run
	// here and may call this Request's methods.
	var s *session.Session
	if prev == nil {
		if uid, ok := r.Cookie(r.cfg.sessionCookie(secure).name); ok {
			var err error
			s, err = m.Access(uid)
			if err != nil && !errors.Is(err, session.ErrNotFound) {
				panic(&StatusError{Code: http.StatusServiceUnavailable, Err: err})
			}
		}
	}
	made := s == nil
	if made {
		var err error
		if s, err = m.Make(); err != nil {
			panic(&StatusError{Code: http.StatusServiceUnavailable, Err: err})
		}
	}
	r.mu.Lock()
	if cur := *slot; cur != prev && cur != nil && !cur.Expired() {
		r.mu.Unlock()
		// A concurrent GetSession filled the slot first: a request has
		// one session of each kind, so this one's goes. Its expiry
		// callbacks (a Factory's) run without r.mu, as callbacks run
		// outside any lock.
		if made {
			s.Expire()
		}
		return cur
	}
	*slot = s
	if made {
		r.cookie[idx] = cookieUnsaved
	}
	r.mu.Unlock()
	return s
}

// sessionsLocked returns the sessions GetSession returned, as the slots of
// cookie: [0] of the connection's own kind, [1] the insecure one asked
// for over TLS. r.mu must be held.
func (r *Request) sessionsLocked() [2]*session.Session {
	if r.more == nil {
		return [2]*session.Session{r.sess}
	}
	return [2]*session.Session{r.sess, r.forcedSess}
}

// Session returns the session GetSession already returned in this request
// that matches IsSecure, or nil.
func (r *Request) Session() *session.Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess
}

// RenewSession moves the visitor's session (GetSession's, with its data and
// expiry callbacks) to a fresh uid and sets the new cookie, so that an id
// known before a login is worthless after it (session fixation). It must be
// called before the first Write. It returns the session, and the error of
// the renewal (see session.Manager.Renew): the session then keeps its old
// id, which a login must not accept.
func (r *Request) RenewSession(opts ...SessionOption) (*session.Session, error) {
	s := r.GetSession(opts...)
	if err := r.cfg.Sessions.Renew(s); err != nil {
		return s, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, t := range r.sessionsLocked() {
		// A cookie already owed stays so: the session it waits for, or
		// that was stored, moved with the renewal.
		if t == s && r.cookie[i] == noCookie {
			r.cookie[i] = cookieUnsaved
		}
	}
	return s, nil
}

// sessionLocked returns the session of slot i of sessionsLocked. r.mu
// must be held.
func (r *Request) sessionLocked(i int) *session.Session {
	if i == 0 {
		return r.sess
	}
	if r.more == nil {
		return nil
	}
	return r.forcedSess
}

// usedSessionLocked reports whether GetSession gave this request a
// session, so that the response depends on the Cookie header. r.mu must be
// held.
func (r *Request) usedSessionLocked() bool {
	return r.sess != nil || r.more != nil && r.forcedSess != nil
}
