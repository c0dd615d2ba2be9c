package request

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// pathSrc says which of a URL's paths traversal splits.
type pathSrc uint8

const (
	decodedPath pathSrc = iota // URL.Path: its segments need no decoding
	rawPath                    // URL.RawPath: each segment is decoded after splitting
	noPath                     // the request target "*", which has no segments
)

// pathSrcOf returns the path of u that traversal splits. When the URL holds
// escapes that decoding would lose (such as %2F), the raw path is split
// and each segment decoded after, so "%2F" stays inside its segment.
// Otherwise the decoded path splits into the same segments.
func pathSrcOf(u *url.URL) pathSrc {
	switch {
	case u.Path == "*":
		return noPath
	case u.RawPath != "" && rawMatches(u):
		return rawPath
	}
	return decodedPath
}

// rawMatches reports whether u.RawPath decodes to u.Path. A RawPath that
// does not (a middleware rewrote Path alone) is stale, and ignored. One
// that holds bytes an escaped path may not ("|", "\"", non-ASCII...) is
// still the path the client sent: EscapedPath ignores it, but the
// segments are its own.
func rawMatches(u *url.URL) bool {
	p, err := url.PathUnescape(u.RawPath)
	return err == nil && p == u.Path
}

// path returns the path that traversal splits, after its first "/", as
// Twisted splits it. It is read from the URL at each use rather than kept
// in the Request, whose size matters (see Request.more): net/http's rule
// that a handler does not modify its request keeps the URL fixed.
func (r *Request) path() string {
	var p string
	switch r.pathSrc {
	case decodedPath:
		p = r.r.URL.Path
	case rawPath:
		p = r.r.URL.RawPath
	default:
		return ""
	}
	return strings.TrimPrefix(p, "/")
}

// segment decodes one segment of the path.
func (r *Request) segment(s string) string {
	if r.pathSrc == rawPath {
		return Unquote(s)
	}
	return s
}

// appendSegments appends the decoded segments of p (a part of r.path() that
// starts and ends at segment boundaries) to dst.
func (r *Request) appendSegments(dst []string, p string) []string {
	for {
		seg, rest, more := strings.Cut(p, "/")
		dst = append(dst, r.segment(seg))
		if !more {
			return dst
		}
		p = rest
	}
}

// Unquote decodes the %XX escapes of s; an invalid escape is kept as it
// is, like Python's unquote, and "+" is not decoded. It is how each path
// segment is decoded.
func Unquote(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	return unquote(s, false)
}

// unquote decodes the %XX escapes of s as Unquote does, and with plus a
// "+" as a space first (a form's rule). The result is s itself when
// nothing changes, else one allocation of exactly its length.
func unquote(s string, plus bool) string {
	n := len(s) // the decoded length
	changed := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			n -= 2
			i += 2
			changed = true
		case s[i] == '+' && plus:
			changed = true
		}
	}
	if !changed {
		return s
	}
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case s[i] == '+' && plus:
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
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

// Prepath returns the path segments consumed by traversal so far, decoded,
// in a new slice. Traversal begins with every segment in the postpath: "/"
// is one empty segment, and a trailing slash adds one.
func (r *Request) Prepath() []string {
	if r.next == 0 || r.pathSrc == noPath {
		return []string{}
	}
	return r.appendSegments(make([]string, 0, 4), r.path()[:r.next-1])
}

// Postpath returns the path segments not yet consumed, decoded, in a new slice.
func (r *Request) Postpath() []string {
	path := r.path()
	if int(r.next) > len(path) {
		return []string{}
	}
	return r.appendSegments(make([]string, 0, 4), path[r.next:])
}

// Consume moves the first remaining segment to the prepath and returns it,
// decoded; ok is false when none remains. Traversal calls it before each
// child lookup; a wrapper that walks segments itself may too.
func (r *Request) Consume() (seg string, ok bool) {
	path := r.path()
	if int(r.next) > len(path) {
		return "", false
	}
	rest := path[r.next:]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		i = len(rest) // the last segment
	}
	r.next += int32(i + 1) // past the "/", or to len(path)+1 at the end
	return r.segment(rest[:i]), true
}

// Unconsume moves the last consumed segment back to the front of the
// postpath, for wrappers that must let the next resource see it again.
func (r *Request) Unconsume() {
	if r.next == 0 || r.pathSrc == noPath {
		return
	}
	r.next = int32(strings.LastIndexByte(r.path()[:r.next-1], '/') + 1)
}

// postpathLen returns the number of segments not yet consumed.
func (r *Request) postpathLen() int {
	path := r.path()
	if int(r.next) > len(path) {
		return 0
	}
	return strings.Count(path[r.next:], "/") + 1
}

// IsSecure reports whether the request came over TLS (or, with
// Config.TrustProxyHeaders, whether X-Forwarded-Proto says https).
func (r *Request) IsSecure() bool {
	if p := r.proxyHeader("X-Forwarded-Proto"); p != "" {
		return strings.EqualFold(p, "https")
	}
	return r.r.TLS != nil
}

// Host returns the host the client asked for, with its port if it sent one
// (X-Forwarded-Host when Config.TrustProxyHeaders is set and it holds a
// host).
func (r *Request) Host() string {
	if h := r.proxyHeader("X-Forwarded-Host"); h != "" && !strings.ContainsAny(h, "/\\?#@ \t") {
		return h
	}
	return r.r.Host
}

// proxyHeader returns, when Config.TrustProxyHeaders is set, the last
// entry of the named X-Forwarded-* header, spaces trimmed: the one the
// proxy in front of the Site wrote. A proxy that appends to the header
// (as nginx's $proxy_add_x_forwarded_for does) rather than replace it
// leaves before it whatever the client sent, which is not to be believed.
// It returns "" when the headers are not trusted or it has none.
func (r *Request) proxyHeader(name string) string {
	if !r.cfg.TrustProxyHeaders {
		return ""
	}
	v := r.Header(name)
	return strings.TrimSpace(v[strings.LastIndexByte(v, ',')+1:])
}

// Hostname returns Host without its port.
func (r *Request) Hostname() string {
	h := r.Host()
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// ClientAddr returns the client's IP address: with
// Config.TrustProxyHeaders, the last X-Forwarded-For entry, the client as
// the proxy in front of the Site saw it; else the peer address; "-" when
// unknown. (Twisted believes the first entry, which the client may have
// written itself when the proxy appends to the header.)
func (r *Request) ClientAddr() string {
	if f := r.proxyHeader("X-Forwarded-For"); f != "" {
		return f
	}
	host, _, err := net.SplitHostPort(r.r.RemoteAddr)
	if err != nil || host == "" {
		return "-"
	}
	return host
}

// ForwardedFor returns the first entry of the X-Forwarded-For header, the
// client as the first proxy saw it, with spaces trimmed (from the last
// X-Forwarded-For line, as Twisted's getHeader reads it); "" if there is
// none. It is read whether or not the proxy headers are trusted, and what
// it says is the client's claim unless every proxy on the way replaced the
// header: for the address to believe, use ClientAddr.
func (r *Request) ForwardedFor() string {
	first, _, _ := strings.Cut(r.Header("X-Forwarded-For"), ",")
	return strings.TrimSpace(first)
}

// PrePathURL returns the absolute URL of the resource traversal has reached:
// the scheme (from IsSecure), the host with its port unless it is the
// scheme's default, and each prepath segment percent-encoded: every byte
// but letters, digits and "-._~" becomes one escape, so "/caf%C3%A9" stays
// as it is (Twisted's prePathURL reads the bytes as Latin-1 and gives
// "/caf%C3%83%C2%A9").
//
// The host and port are those the client sent in Host, as RFC 9112 §3.3
// rebuilds a request's URL; Twisted takes the port from the socket, which
// is not the client's behind a port mapping. A request without Host gets
// the server's address (LocalAddr), as in Twisted.
func (r *Request) PrePathURL() string {
	return r.urlFor(r.Prepath())
}

// RootURL returns the absolute URL of the root of the tree, ending in "/".
func (r *Request) RootURL() string { return r.urlFor(nil) }

func (r *Request) urlFor(segs []string) string {
	var b strings.Builder
	scheme, host := r.origin()
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	writePath(&b, segs)
	return b.String()
}

// origin returns the scheme of the request's URL (from IsSecure) and its
// host, with the port unless it is the scheme's default. A request that
// names no host (HTTP/1.0 without Host) gets the address it came to, as
// Twisted's getRequestHostname and getHost give, else "localhost".
func (r *Request) origin() (scheme, host string) {
	scheme, def := "http", "80"
	if r.IsSecure() {
		scheme, def = "https", "443"
	}
	host = r.Host()
	if host == "" {
		host = "localhost"
		if a, ok := r.LocalAddr().(*net.TCPAddr); ok {
			host = net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
		}
	}
	if h, port, err := net.SplitHostPort(host); err == nil && port == def {
		host = h
		if strings.IndexByte(h, ':') >= 0 {
			host = "[" + h + "]"
		}
	}
	return scheme, host
}

// writePath writes "/" and segs, each percent-encoded, joined by "/".
func writePath(b *strings.Builder, segs []string) {
	b.WriteByte('/')
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(QuoteSegment(s))
	}
}

// ChildLink returns a URL relative to the current request for the child
// named name of the resource traversal has reached, as Twisted's childLink:
// "/foo/bar" gives "bar/name", "/foo/bar/" gives "name". name is not
// escaped. The segment it repeats ("bar") is percent-encoded as in
// PrePathURL, where Twisted's puts it in decoded: for "/foo/a%2Fb" Twisted
// gives "a/b/name" and for "/foo/javascript:x" a link with a scheme; this
// gives "a%2Fb/name" and "javascript%3Ax/name".
func (r *Request) ChildLink(name string) string {
	switch lpp := r.postpathLen(); {
	case lpp > 1:
		return strings.Repeat("../", lpp-1) + name
	case lpp == 1:
		return name
	}
	if r.next > 0 {
		// The last consumed segment ends just before r.next.
		end := r.next - 1
		path := r.path()
		last := r.segment(path[strings.LastIndexByte(path[:end], '/')+1 : end])
		if last != "" {
			return QuoteSegment(last) + "/" + name
		}
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
