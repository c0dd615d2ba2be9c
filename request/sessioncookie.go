package request

import (
	"net/http"

	"github.com/gotwisted/web/internal/header"
)

// This file holds the headers a response that uses a session carries: the
// Set-Cookie line of each session cookie, from a template formatted once
// per Config, and Vary: Cookie and Cache-Control: private, merged with the
// resource's own.

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
