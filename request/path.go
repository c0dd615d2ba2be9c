package request

import (
	"net"
	"net/url"
	"strings"
)

// splitPath splits the path of u after its first "/" into segments, each
// percent-decoded after splitting, as Twisted does: "/" is one empty segment,
// a trailing slash adds one, and "%2F" stays inside its segment. Segments
// are appended to buf; they share the URL's memory unless they needed
// decoding. The request target "*" has no segments.
func splitPath(buf []string, u *url.URL) []string {
	p, raw := u.Path, false
	if u.RawPath != "" {
		// The path held escapes that decoding would lose (such as %2F):
		// split the raw form and decode each segment.
		p, raw = u.RawPath, true
	}
	if p == "*" || p == "" {
		if p == "" {
			return append(buf, "")
		}
		return buf
	}
	p = strings.TrimPrefix(p, "/")
	for {
		seg, rest, more := strings.Cut(p, "/")
		if raw && strings.IndexByte(seg, '%') >= 0 {
			seg = unquote(seg)
		}
		buf = append(buf, seg)
		if !more {
			return buf
		}
		p = rest
	}
}

// unquote decodes %XX escapes; an invalid escape is kept as it is, like
// Python's unquote. "+" is not decoded.
func unquote(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// Prepath returns the path segments consumed by traversal so far, decoded.
// The slice belongs to the Request: do not modify it.
func (r *Request) Prepath() []string { return r.path[:r.pos:r.pos] }

// Postpath returns the path segments not yet consumed, decoded. The slice
// belongs to the Request: do not modify it.
func (r *Request) Postpath() []string { return r.path[r.pos:] }

// Consume moves the first remaining segment to the prepath and returns it;
// ok is false when none remains. Traversal calls it before each child lookup.
func (r *Request) Consume() (seg string, ok bool) {
	if r.pos == len(r.path) {
		return "", false
	}
	r.pos++
	return r.path[r.pos-1], true
}

// Unconsume moves the last consumed segment back to the front of the
// postpath, for wrappers that must let the next resource see it again.
func (r *Request) Unconsume() {
	if r.pos > 0 {
		r.pos--
	}
}

// IsSecure reports whether the request came over TLS (or, with
// Config.TrustProxyHeaders, whether X-Forwarded-Proto says https).
func (r *Request) IsSecure() bool {
	if r.cfg.TrustProxyHeaders {
		if p := r.Header("X-Forwarded-Proto"); p != "" {
			return strings.EqualFold(p, "https")
		}
	}
	return r.r.TLS != nil
}

// Host returns the host the client asked for, with its port if it sent one
// (X-Forwarded-Host when Config.TrustProxyHeaders is set).
func (r *Request) Host() string {
	if r.cfg.TrustProxyHeaders {
		if h := r.Header("X-Forwarded-Host"); h != "" {
			return h
		}
	}
	return r.r.Host
}

// Hostname returns Host without its port.
func (r *Request) Hostname() string {
	h := r.Host()
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// ClientAddr returns the client's IP address: the first X-Forwarded-For
// entry when Config.TrustProxyHeaders is set, else the peer address, or "-"
// when unknown.
func (r *Request) ClientAddr() string {
	if r.cfg.TrustProxyHeaders {
		if f := r.Header("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.r.RemoteAddr)
	if err != nil || host == "" {
		return "-"
	}
	return host
}

// PrePathURL returns the absolute URL of the resource traversal has reached:
// the scheme (from IsSecure), the host with its port unless it is the
// scheme's default, and each prepath segment percent-encoded.
func (r *Request) PrePathURL() string {
	return r.urlFor(r.Prepath())
}

// RootURL returns the absolute URL of the root of the tree, ending in "/".
func (r *Request) RootURL() string { return r.urlFor(nil) }

func (r *Request) urlFor(segs []string) string {
	var b strings.Builder
	scheme, def := "http", "80"
	if r.IsSecure() {
		scheme, def = "https", "443"
	}
	b.WriteString(scheme)
	b.WriteString("://")
	h := r.Host()
	if host, port, err := net.SplitHostPort(h); err == nil && port == def {
		h = host
		if strings.IndexByte(host, ':') >= 0 {
			h = "[" + host + "]"
		}
	}
	b.WriteString(h)
	b.WriteByte('/')
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(QuoteSegment(s))
	}
	return b.String()
}

// ChildLink returns a URL relative to the current request for the child
// named name of the resource traversal has reached, as Twisted's childLink:
// "/foo/bar" gives "bar/name", "/foo/bar/" gives "name".
func (r *Request) ChildLink(name string) string {
	pre := r.Prepath()
	switch lpp := len(r.path) - r.pos; {
	case lpp > 1:
		return strings.Repeat("../", lpp-1) + name
	case lpp == 1:
		return name
	}
	if n := len(pre); n > 0 && pre[n-1] != "" {
		return QuoteSegment(pre[n-1]) + "/" + name
	}
	return name
}

// QuoteSegment percent-encodes every byte of s except letters, digits and
// "-._~", so that the result is one path segment.
func QuoteSegment(s string) string {
	safe := true
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
