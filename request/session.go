package request

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gotwisted/web/internal/header"
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

// cookieState is what the response owes the cookie of one of the
// Request's sessions (Request.cookie). A session that this request made
// (or renewed) is stored before its cookie goes out (see
// saveSessionsLocked). The two settled states come first, so that
// unsettledLocked is one comparison.
type cookieState uint8

const (
	noCookie      cookieState = iota // none to send, or its session could not be stored
	cookieSaved                      // its session is stored: the cookie goes out with the headers
	cookieUnsaved                    // to send once its session is stored
	cookieSaving                     // its session is being stored, without r.mu
)

// unsettledLocked reports whether a cookie the headers must carry waits
// for the store of its session (cookieUnsaved or cookieSaving). r.mu must
// be held.
func (r *Request) unsettledLocked() bool {
	return r.cookie[0]|r.cookie[1] >= cookieUnsaved
}

// saveSessionsLocked is called, with r.mu held, by a method that may send
// the headers, before it does: it stores the sessions whose cookies they
// must carry. A shared store keeps a new session from its first change,
// and one without any is stored just before its cookie goes out (see
// session.Manager.Save), lest the visitor come back with the uid of a
// session stored nowhere. That store is a round trip, as long as the
// store's client waits when the store is down, so it is made with r.mu
// released: meanwhile the Request's other methods answer, to other
// goroutines (the server ending the request, a resource's goroutine) and
// to what the store may call. A method that would send the headers
// meanwhile waits for that store, also without r.mu, and does not store
// the session again; the headers then go out once, after it. If the
// response ends or is hijacked first, that method returns at once,
// without waiting for the store, which sends nothing any more. A session
// that cannot be stored loses its cookie, and the first such failure of
// this call is returned (it wraps session.ErrUnavailable). r.mu is held
// again on return, but the response may have ended, or its headers gone
// out, meanwhile. Defer the unlock of r.mu after the call, not before:
// if the store panics, the panic leaves r.mu released (see saveUnlocked).
func (r *Request) saveSessionsLocked() error {
	if !r.unsettledLocked() {
		return nil // no cookie waits (most requests): nothing to store
	}
	return r.saveLocked(false)
}

// sendSessionsLocked is saveSessionsLocked for a method that sends the
// headers even when a session's cookie is dropped: the failure is logged.
func (r *Request) sendSessionsLocked() {
	if r.unsettledLocked() {
		_ = r.saveLocked(true)
	}
}

// saveLocked is saveSessionsLocked's work, logging the failure if log.
func (r *Request) saveLocked(log bool) error {
	var failed error
	for r.unsettledLocked() && !r.wroteHeader && r.endableLocked() == nil {
		var todo [2]*session.Session
		store := false
		for i, c := range r.cookie {
			if c != cookieUnsaved {
				continue
			}
			if todo[i] = r.sessionLocked(i); todo[i] == nil {
				r.cookie[i] = noCookie // (never: a slot with a cookie owed holds its session)
				continue
			}
			r.cookie[i] = cookieSaving
			store = true
		}
		if store {
			if err := r.saveUnlocked(todo); failed == nil {
				failed = err
			}
			continue
		}
		// Another goroutine stores them: wait for it.
		r.extLocked()
		if r.saved == nil {
			r.saved = make(chan struct{})
		}
		c := r.saved
		r.mu.Unlock()
		<-c
		r.mu.Lock()
	}
	if failed != nil && log {
		r.logUnsaved(failed)
	}
	return failed
}

// logUnsaved logs err, the failure of a store that dropped the cookie of a
// new session, for a method that does not return it.
func (r *Request) logUnsaved(err error) {
	r.Logger().Error("session: not stored; its cookie is not sent", "uri", r.URI(), "err", err)
}

// saveUnlocked stores the sessions of todo, which saveLocked marked
// cookieSaving, with r.mu released meanwhile; then it records the outcome
// and wakes whoever waits for it (savedLocked). It returns the first
// failure. r.mu must be held; it is held again on return, but not if the
// store panics: the panic goes on with r.mu released, as from a method
// that holds it under a deferred unlock, the cookies of the sessions not
// stored dropped and their waiters woken.
func (r *Request) saveUnlocked(todo [2]*session.Session) error {
	var errs [2]error
	done := 0 // the slots of todo the store returned for
	r.mu.Unlock()
	defer func() {
		if done < len(todo) { // the store panicked
			r.mu.Lock()
			r.savedLocked(todo, &errs, done)
			r.mu.Unlock()
		}
	}()
	for i, s := range todo {
		if s != nil {
			errs[i] = r.cfg.Sessions.Save(s)
		}
		done = i + 1
	}
	r.mu.Lock()
	return r.savedLocked(todo, &errs, done)
}

// savedLocked records the outcome of saveUnlocked's store of todo, whose
// first done slots returned errs, and wakes whoever waits for it. It
// returns the first failure. r.mu must be held.
func (r *Request) savedLocked(todo [2]*session.Session, errs *[2]error, done int) error {
	var failed error
	for i, s := range todo {
		// A GetSession may have put a new session in the slot
		// meanwhile, whose cookie waits for a store of its own.
		if s == nil || r.sessionLocked(i) != s || r.cookie[i] != cookieSaving {
			continue
		}
		if i < done && errs[i] == nil {
			r.cookie[i] = cookieSaved
			continue
		}
		r.cookie[i] = noCookie
		if failed == nil {
			failed = errs[i]
		}
	}
	r.wakeSaveWaitersLocked()
	return failed
}

// wakeSaveWaitersLocked wakes the methods waiting for a store of sessions
// (saveLocked), when it ends, or when the response ends or is hijacked
// (they then send nothing, and need not wait for the store any more).
// r.mu must be held.
func (r *Request) wakeSaveWaitersLocked() {
	if r.more != nil && r.saved != nil {
		close(r.saved)
		r.saved = nil
	}
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

// sessionHeadersLocked adds to h, the response header map, what the
// request's sessions need: Vary and Cache-Control (merged with the
// resource's own headers if own), and the Set-Cookie lines of the sessions
// this request made, renewed or saw expire. A slot holds the latest session
// of its kind, so when a session expired and GetSession then made a new
// one, only the new session's cookie is sent, not a clearing one. It runs
// once, as the headers are sent, after saveSessionsLocked stored the
// sessions whose cookies go out: a cookie is sent only for a stored
// session. r.mu must be held.
func (r *Request) sessionHeadersLocked(h http.Header, own bool) {
	r.addSessionHeaders(h, own)
	for i, s := range r.sessionsLocked() {
		if s == nil {
			continue
		}
		expired := s.Expired()
		if r.cookie[i] != cookieSaved && !expired {
			continue
		}
		uid := "" // clear the cookie
		if !expired {
			uid = s.UID()
		}
		r.addSessionCookie(i == 0 && r.IsSecure(), uid)
	}
}

// addSessionCookie adds the Set-Cookie line that gives the secure or
// insecure session cookie the value uid, or clears it if uid is "".
func (r *Request) addSessionCookie(secure bool, uid string) {
	if line := r.cfg.sessionCookie(secure).line(uid); line != "" {
		h := r.w.Header()
		h["Set-Cookie"] = append(h["Set-Cookie"], line)
	}
}

// sessionCookie returns the formatted secure or insecure session cookie,
// formatting both at the first call.
func (c *Config) sessionCookie(secure bool) *cookieFormat {
	f, _ := c.cookies.Load().(*[2]cookieFormat)
	if f == nil {
		// Two first calls may both format them: the same result.
		f = &[2]cookieFormat{
			newCookieFormat(c.sessionCookieTemplate(false)),
			newCookieFormat(c.sessionCookieTemplate(true)),
		}
		c.cookies.Store(f)
	}
	if secure {
		return &f[1]
	}
	return &f[0]
}

// sessionCookieTemplate returns the cookie that carries the uid of the
// secure or the insecure session, without a value: SessionCookie, or for
// the secure session SessionCookie renamed to SecureSessionCookieName with
// the Secure attribute.
func (c *Config) sessionCookieTemplate(secure bool) http.Cookie {
	t := c.SessionCookie
	if secure {
		t.Name = c.SecureSessionCookieName
		t.Secure = true
	}
	return t
}

// cookieFormat is a session cookie template, formatted by http.Cookie
// once, so that a Set-Cookie line costs one allocation
// (BenchmarkGetSessionNew in package site).
type cookieFormat struct {
	tmpl   http.Cookie
	name   string
	ok     bool   // the name is valid: http.Cookie formats it
	prefix string // "NAME=" (with a quote if the template is Quoted)
	suffix string // "; Path=/; HttpOnly; ..." (after the value, closing quote included)
	clear  string // the whole line that clears the cookie
}

func newCookieFormat(c http.Cookie) cookieFormat {
	f := cookieFormat{tmpl: c, name: c.Name}
	c.Value = "v"
	line := c.String()
	if line == "" {
		return f
	}
	i := len(c.Name) + 1 // where the value starts
	if c.Quoted {
		i++
	}
	f.ok = true
	f.prefix = line[:i]
	f.suffix = line[i+len(c.Value):]
	c.Value = ""
	c.MaxAge = -1
	f.clear = c.String()
	return f
}

// line returns the Set-Cookie header value that gives the cookie the value
// uid, or that clears it (Max-Age=0) if uid is empty: what http.SetCookie
// sends for the template with that Value (or MaxAge -1), or "" for a
// template http.SetCookie would not send.
func (f *cookieFormat) line(uid string) string {
	switch {
	case !f.ok:
		return ""
	case uid == "":
		return f.clear
	case !isPlainCookieValue(uid):
		c := f.tmpl
		c.Value = uid
		return c.String()
	}
	return f.prefix + uid + f.suffix
}

// isPlainCookieValue reports whether v is a cookie value http.Cookie sends
// as it is: not empty, of bytes allowed in a cookie value, with no space
// or comma (which it would quote).
func isPlainCookieValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b <= ' ' || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}
