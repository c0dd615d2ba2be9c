package request

import (
	"net/http"
	"slices"
	"time"

	"github.com/gotwisted/web/internal/header"
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
	// SessionCookieName returns the name of the cookie that carries the
	// uid of the secure or the insecure session (the two sessions of a TLS
	// request).
	SessionCookieName(secure bool) string
	// SessionSetCookie returns the Set-Cookie header value that gives that
	// cookie the value uid, or that clears it (Max-Age=0) if uid is ""; an
	// empty result means send nothing.
	SessionSetCookie(secure bool, uid string) string
	// SessionClock returns the clock the sessions' deadlines are on;
	// Request.Now reads it. Nil means time.Now.
	SessionClock() *session.Clock
}

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
// names a live session; otherwise a new one is made through the Site's
// session factory and its cookie is set on the response. A second call in
// the same request returns the same session, unless it expired meanwhile,
// in which case a new one is made (and its cookie, not a clearing one, is
// sent). Over TLS the secure session (cookie with the Secure attribute) is
// returned unless ForceNotSecure is given. A response that uses a session
// carries Vary: Cookie and Cache-Control: private, added when the headers
// are sent (by the Request, or through ResponseWriter) to whatever the
// resource set, before or after GetSession (a Cache-Control that says
// private or no-store is left alone). If the session expires before the
// headers are sent, its cookie is cleared. The cookie is only sent if
// GetSession is called before the headers are sent (the first Write).
//
// GetSession panics if the Request was made without a SessionSource.
func (r *Request) GetSession(opts ...SessionOption) *session.Session {
	src := r.cfg.Sessions
	if src == nil {
		panic("request: GetSession on a request without sessions (no Config.Sessions)")
	}
	secure := r.IsSecure() && !slices.Contains(opts, ForceNotSecure)
	idx := 0
	if secure {
		idx = 1
	}
	now := r.Now()
	r.mu.Lock()
	s := r.sess[idx]
	var stale *session.Session // named by the cookie, but past its deadline
	if s == nil {
		// The first call: look the cookie up. The Store takes no lock of
		// ours and calls nothing back, so r.mu may be held, which keeps
		// two concurrent first calls from adopting different sessions.
		if found := r.cookieSession(src, secure); found != nil {
			if found.TouchIfLive(now) {
				r.sess[idx] = found
				r.mu.Unlock()
				return found
			}
			stale = found
		}
	}
	r.mu.Unlock()

	if s != nil && !s.Expired() {
		s.TouchAt(now)
		return s
	}
	if stale != nil {
		// Not yet reaped by the scheduler: expire it here, callbacks and
		// all, outside r.mu.
		stale.Expire()
	}
	return r.claimSession(idx, s, src.MakeSession(), now)
}

// cookieSession returns the live session the request's cookie names, or
// nil. It does not touch it.
func (r *Request) cookieSession(src SessionSource, secure bool) *session.Session {
	uid, ok := r.Cookie(src.SessionCookieName(secure))
	if !ok {
		return nil
	}
	found, _ := src.LookupSession(uid)
	return found
}

// claimSession makes made, a session just made, the session of slot idx,
// which held prev (nil or expired) when GetSession looked. If a concurrent
// GetSession of this request filled the slot meanwhile with a live
// session, that one wins: it is touched and returned, and made is expired,
// so that a request never hands out two sessions, nor keeps an orphan.
func (r *Request) claimSession(idx int, prev, made *session.Session, now time.Time) *session.Session {
	r.mu.Lock()
	if cur := r.sess[idx]; cur != prev && cur != nil && !cur.Expired() {
		r.mu.Unlock()
		made.Expire()
		cur.TouchAt(now)
		return cur
	}
	r.sess[idx] = made
	r.setCookie[idx] = true
	r.mu.Unlock()
	return made
}

// addSessionHeaders marks a response that uses a session as depending on
// the Cookie header and as not for shared caches, merging with the
// headers the resource set, if own. The values it adds live in the
// Request (r.hdr); nothing appends to them in place, as their capacity is
// their length.
func (r *Request) addSessionHeaders(h http.Header, own bool) {
	r.hdr[2], r.hdr[3] = "Cookie", "private"
	varyCookie, cacheControlPrivate := r.hdr[2:3:3], r.hdr[3:4:4]
	if !own { // the common case: nothing to merge with
		h["Vary"] = varyCookie
		h["Cache-Control"] = cacheControlPrivate
		return
	}
	if v, ok := h["Vary"]; !ok {
		h["Vary"] = varyCookie
	} else if !header.HasToken(v, "Cookie") && !header.HasToken(v, "*") {
		h["Vary"] = append(v[:len(v):len(v)], "Cookie")
	}
	// A Cache-Control the resource set is kept, so that "no-store" on a
	// logout page survives the GetSession that expires the session.
	if v, ok := h["Cache-Control"]; !ok {
		h["Cache-Control"] = cacheControlPrivate
	} else if !header.HasToken(v, "private") && !header.HasToken(v, "no-store") {
		h["Cache-Control"] = append(v[:len(v):len(v)], "private")
	}
}

// Session returns the session GetSession already returned in this request
// that matches IsSecure, or nil.
func (r *Request) Session() *session.Session {
	idx := 0
	if r.IsSecure() {
		idx = 1
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess[idx]
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
		if r.sess[i] == s {
			r.setCookie[i] = true
		}
	}
	return s
}

// usedSessionLocked reports whether GetSession gave this request a
// session, so that the response depends on the Cookie header. r.mu must be
// held.
func (r *Request) usedSessionLocked() bool { return r.sess != [2]*session.Session{} }

// sessionHeadersLocked adds to h, the response header map, what the
// request's sessions need: Vary and Cache-Control (merged with the
// resource's own headers if own), and the Set-Cookie lines of the sessions
// this request made, renewed or saw expire. A slot holds the latest session
// of its kind, so when a session expired and GetSession then made a new
// one, only the new session's cookie is sent, not a clearing one. It runs
// once, as the headers are sent. r.mu must be held.
func (r *Request) sessionHeadersLocked(h http.Header, own bool) {
	r.addSessionHeaders(h, own)
	for i, s := range r.sess {
		if s == nil {
			continue
		}
		expired := s.Expired()
		if !r.setCookie[i] && !expired {
			continue
		}
		uid := "" // clear the cookie
		if !expired {
			uid = s.UID()
		}
		r.addSessionCookie(i == 1, uid)
	}
}

// addSessionCookie adds the Set-Cookie line that gives the secure or
// insecure session cookie the value uid, or clears it if uid is "".
func (r *Request) addSessionCookie(secure bool, uid string) {
	if line := r.cfg.Sessions.SessionSetCookie(secure, uid); line != "" {
		h := r.w.Header()
		h["Set-Cookie"] = append(h["Set-Cookie"], line)
	}
}
