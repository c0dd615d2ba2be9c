package request

import (
	"net/http"
	"strings"
	"time"
)

// SetLastModified records when the resource last changed and sets the
// Last-Modified header. The time is rounded up to a whole second and the
// latest of several calls is kept. If the request is a GET or HEAD whose
// If-Modified-Since is at or after it, the response code becomes 304 Not
// Modified and SetLastModified returns true: the resource should then send
// no body. As RFC 9110 §13.1.3 says, If-Modified-Since is ignored when the
// request has an If-None-Match (SetETag decides then) or cannot be parsed.
func (r *Request) SetLastModified(t time.Time) (notModified bool) {
	if t.Nanosecond() != 0 {
		t = t.Truncate(time.Second).Add(time.Second)
	}
	r.mu.Lock()
	r.extLocked()
	if t.After(r.lastMod) {
		r.lastMod = t
	}
	t = r.lastMod
	if h := r.headerLocked(); h != nil {
		h.Set("Last-Modified", t.UTC().Format(http.TimeFormat))
	}
	r.mu.Unlock()
	hr := r.r
	if hr.Method != http.MethodGet && hr.Method != http.MethodHead || hr.Header["If-None-Match"] != nil {
		return false
	}
	ims, err := http.ParseTime(hr.Header.Get("If-Modified-Since"))
	if err != nil || ims.Before(t) {
		return false
	}
	r.SetResponseCode(http.StatusNotModified)
	return true
}

// SetETag sets the ETag header to etag (quotes included, as it is sent, and
// W/ for a weak tag). If the request's If-None-Match lists etag (compared
// weakly, as RFC 9110 §13.1.2 says: W/ is ignored) or "*", the response code
// becomes 304 Not Modified for GET and HEAD, 412 Precondition Failed for
// other methods, and SetETag returns true: the resource should send no body.
func (r *Request) SetETag(etag string) (matched bool) {
	r.SetHeader("ETag", etag)
	want := strings.TrimPrefix(etag, "W/")
	for _, line := range r.r.Header["If-None-Match"] {
		for tag, rest := nextTag(line); tag != ""; tag, rest = nextTag(rest) {
			if strings.TrimPrefix(tag, "W/") == want || tag == "*" {
				if r.r.Method == http.MethodGet || r.r.Method == http.MethodHead {
					r.SetResponseCode(http.StatusNotModified)
				} else {
					r.SetResponseCode(http.StatusPreconditionFailed)
				}
				return true
			}
		}
	}
	return false
}

// nextTag returns the first entity tag of the list s and what follows it,
// or "" at the end. Tags are separated by commas and blanks, except inside
// the quotes of a tag, which may hold commas (RFC 9110 §8.8.3); unquoted
// tags, which Twisted accepts, end at the first separator.
func nextTag(s string) (tag, rest string) {
	s = strings.TrimLeft(s, ", \t")
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ' ' || c == '\t'):
			return s[:i], s[i:]
		}
	}
	return s, ""
}
