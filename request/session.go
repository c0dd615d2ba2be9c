package request

import (
	"net/http"

	"github.com/gotwisted/web/session"
)

// SessionSource finds and makes the sessions of the server a Request came
// from. A site.Site implements it; Request.GetSession uses it, so that this
// package needs nothing of the Site.
type SessionSource interface {
	// LookupSession returns the live session named uid. It does not touch it.
	LookupSession(uid string) (*session.Session, bool)
	// MakeSession makes a session with a fresh uid and starts its expiry.
	MakeSession() *session.Session
	// RenewSession moves s, with its data and callbacks, to a fresh uid.
	RenewSession(s *session.Session)
	// SessionCookieTemplate returns the cookie that carries a session's uid: its
	// name and attributes, without a value. secure tells which of the two
	// sessions of a TLS request it is for.
	SessionCookieTemplate(secure bool) http.Cookie
}

// SessionOption changes how GetSession picks a session.
type SessionOption int

// ForceNotSecure makes GetSession return the insecure session even over
// TLS (Twisted's forceNotSecure): its cookie has no Secure attribute and is
// sent over plain HTTP too.
const ForceNotSecure SessionOption = 1

type sessionSlot struct {
	s         *session.Session
	setCookie bool // the response must carry s's cookie
}

// GetSession returns the visitor's session, creating it if needed, and
// touches it, so that a visitor who keeps coming keeps their session.
//
// The session is the one named by the request's session cookie if that
// names a live session; otherwise a new one is made through the Site's
// session factory and its cookie is set on the response. A second call in
// the same request returns the same session, unless it expired meanwhile,
// in which case a new one is made. Over TLS the secure session (cookie with
// the Secure attribute) is returned unless ForceNotSecure is given. A
// response that uses a session carries Vary: Cookie and Cache-Control:
// private. If the session expires before the headers are sent, its cookie is
// cleared. The cookie is only sent if GetSession is called before the first
// Write.
//
// GetSession panics if the Request was made without a SessionSource.
func (r *Request) GetSession(opts ...SessionOption) *session.Session {
	src := r.cfg.Sessions
	if src == nil {
		panic("request: GetSession on a request without sessions (no Config.Sessions)")
	}
	secure := r.IsSecure()
	for _, o := range opts {
		if o == ForceNotSecure {
			secure = false
		}
	}
	idx := 0
	if secure {
		idx = 1
	}
	now := r.Now()
	r.mu.Lock()
	s := r.sess[idx].s
	if !r.vary && !r.wroteHeader {
		r.vary = true
		h := r.w.Header()
		h.Add("Vary", "Cookie")
		h["Cache-Control"] = cacheControlPrivate
	}
	r.mu.Unlock()

	if s != nil && !s.Expired() {
		s.TouchAt(now)
		return s
	}
	if s == nil {
		c := src.SessionCookieTemplate(secure)
		if uid, ok := r.Cookie(c.Name); ok {
			if found, ok := src.LookupSession(uid); ok {
				if now.Before(found.Deadline()) {
					found.TouchAt(now)
					r.mu.Lock()
					r.sess[idx].s = found
					r.mu.Unlock()
					return found
				}
				// Past its deadline, not yet reaped by the scheduler.
				found.Expire()
			}
		}
	}
	s = src.MakeSession()
	r.mu.Lock()
	r.sess[idx] = sessionSlot{s: s, setCookie: true}
	r.mu.Unlock()
	return s
}

var cacheControlPrivate = []string{"private"}

// Session returns the session GetSession already returned in this request
// that matches IsSecure, or nil.
func (r *Request) Session() *session.Session {
	idx := 0
	if r.IsSecure() {
		idx = 1
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess[idx].s
}

// RenewSession moves the visitor's session (GetSession's, with its data and
// expiry callbacks) to a fresh uid and sets the new cookie, so that an id
// known before a login is worthless after it (session fixation). It must be
// called before the first Write.
func (r *Request) RenewSession(opts ...SessionOption) *session.Session {
	s := r.GetSession(opts...)
	r.cfg.Sessions.RenewSession(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.sess {
		if r.sess[i].s == s {
			r.sess[i].setCookie = true
		}
	}
	return s
}

// sessionCookiesLocked adds the Set-Cookie lines of the sessions this request
// made, renewed or saw expire. r.mu must be held.
func (r *Request) sessionCookiesLocked() {
	for i, slot := range r.sess {
		if slot.s == nil {
			continue
		}
		expired := slot.s.Expired()
		if !slot.setCookie && !expired {
			continue
		}
		c := r.cfg.Sessions.SessionCookieTemplate(i == 1)
		if expired {
			c.MaxAge = -1 // Max-Age=0: the browser drops the cookie
		} else {
			c.Value = slot.s.UID()
		}
		http.SetCookie(r.w, &c)
	}
}
