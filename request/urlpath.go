package request

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// A URLPath is an absolute URL that finds its neighbours as a browser
// would follow a link: Twisted's twisted.python.urlpath.URLPath. Its
// methods return new URLPaths and never change the one they are called on,
// so a URLPath may be shared between goroutines.
//
// Child, Sibling, Parent and Here drop the query, unless given KeepQuery,
// and the fragment; Click follows a relative reference as RFC 3986 says.
// The zero URLPath is http://localhost/, as Twisted's URLPath().
//
// URLPath lives in this package because the place to get one is the
// request: Request.URLPath. For any other work on URLs, URL returns the
// net/url form.
type URLPath struct {
	scheme   string
	host     string // the authority: user info, host and port
	path     string // escaped; "" is "/"
	query    string // raw, without "?"
	fragment string // escaped, without "#"
}

// A URLPathOption changes what the methods of URLPath keep.
type URLPathOption int

// KeepQuery keeps the query of the URLPath on the one that Child, Sibling,
// Parent or Here returns (Twisted's keepQuery=True).
const KeepQuery URLPathOption = 1

// errNotAbsolute is ParseURLPath's error for a URL without scheme or host.
var errNotAbsolute = errors.New("request: a URLPath needs an absolute URL with a host")

// ParseURLPath parses an absolute URL with a host, such as
// "http://example.com/foo/bar?x=1" (Twisted's URLPath.fromString). The
// path keeps its escapes as written; characters that cannot appear in a
// URL, such as spaces and non-ASCII letters, are percent-encoded.
func ParseURLPath(rawURL string) (URLPath, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return URLPath{}, err
	}
	return fromURL(u)
}

// fromURL returns the URLPath of u, which must be absolute with a host.
func fromURL(u *url.URL) (URLPath, error) {
	if u.Scheme == "" || u.Opaque != "" || u.Host == "" {
		return URLPath{}, errNotAbsolute
	}
	// The authority as net/url writes it: user info and host escaped.
	auth := (&url.URL{Scheme: "x", User: u.User, Host: u.Host}).String()
	host := strings.TrimPrefix(auth, "x://")
	return URLPath{scheme: u.Scheme, host: host, path: u.EscapedPath(), query: u.RawQuery, fragment: u.EscapedFragment()}, nil
}

// URLPath returns the URL of the resource traversal has reached, without
// a query: the URL PrePathURL gives, as Twisted's request.URLPath() (and
// URLPath.fromRequest).
func (r *Request) URLPath() URLPath {
	scheme, host := r.origin()
	var b strings.Builder
	writePath(&b, r.Prepath())
	return URLPath{scheme: scheme, host: host, path: b.String()}
}

// String returns the URL.
func (p URLPath) String() string {
	p = p.norm()
	var b strings.Builder
	b.Grow(len(p.scheme) + 3 + len(p.host) + len(p.path) + 1 + len(p.query) + 1 + len(p.fragment))
	b.WriteString(p.scheme)
	b.WriteString("://")
	b.WriteString(p.host)
	b.WriteString(p.path)
	if p.query != "" {
		b.WriteByte('?')
		b.WriteString(p.query)
	}
	if p.fragment != "" {
		b.WriteByte('#')
		b.WriteString(p.fragment)
	}
	return b.String()
}

// URL returns the URL as a new *url.URL, which the caller may change.
func (p URLPath) URL() *url.URL {
	if u, err := url.Parse(p.String()); err == nil {
		return u
	}
	// Only the URLPath of a request whose X-Forwarded-Host (trusted) is
	// not a host gets here: keep its parts as they are.
	q := p.norm()
	path, _ := url.PathUnescape(q.path)
	return &url.URL{Scheme: q.scheme, Host: q.host, Path: path, RawPath: q.path, RawQuery: q.query}
}

// Child returns the URL of the child named name: name is added to the path
// as one more segment, in place of the empty segment after a trailing
// slash, so that the child of http://h/a/b and of http://h/a/b/ is
// http://h/a/b/name. An empty name gives the URL with a trailing slash.
//
// name is taken as the text of a segment: characters that cannot appear in
// one ("/", "?", "#", space, non-ASCII bytes...) are percent-encoded, while
// a "%" that begins an escape stays, so that a name already escaped is not
// escaped twice (as in Twisted). A "%" that begins no escape is encoded,
// where Twisted would make an invalid URL.
func (p URLPath) Child(name string, opts ...URLPathOption) URLPath {
	q := p.norm()
	dir := q.path
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	q.path = dir + escapeName(name)
	return q.mod(p, opts)
}

// Sibling returns the URL of the sibling named name: the last segment of
// the path is replaced by name, escaped as by Child. The sibling of
// http://h/a/b is http://h/a/name, and of http://h/a/b/ (whose last
// segment is empty) http://h/a/b/name.
func (p URLPath) Sibling(name string, opts ...URLPathOption) URLPath {
	q := p.norm()
	q.path = q.path[:strings.LastIndexByte(q.path, '/')+1] + escapeName(name)
	return q.mod(p, opts)
}

// Parent returns the URL of the directory above the one the URLPath is in
// (Click("..")): the parent of http://h/a/b and of http://h/a/ is
// http://h/, of http://h/a/b/ http://h/a/. The root is its own parent.
func (p URLPath) Parent(opts ...URLPathOption) URLPath {
	q := p.norm()
	q.path = resolveDots(q.path, "..")
	return q.mod(p, opts)
}

// Here returns the URL of the directory the URLPath is in (Click(".")):
// http://h/a/b gives http://h/a/, and http://h/a/b/ itself.
func (p URLPath) Here(opts ...URLPathOption) URLPath {
	q := p.norm()
	q.path = resolveDots(q.path, ".")
	return q.mod(p, opts)
}

// Click returns the URL a browser would go to when following a link to
// ref from the page at this URL: ref is resolved against it as RFC 3986
// says, so "c" is a sibling, "../c" a sibling of the parent, "/c" a path
// on the same host, "?q=1" the same path with another query, "#f" the
// same URL with another fragment, and an absolute URL itself. The query
// and fragment are ref's, except that a ref without path or query keeps
// the URLPath's query (and its fragment, when ref has none either), as
// net/url and Twisted resolve it. It fails if ref does not parse,
// or if the result is not an absolute URL with a host (such as a mailto:
// link).
func (p URLPath) Click(ref string) (URLPath, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return URLPath{}, err
	}
	base, err := url.Parse(p.String())
	if err != nil {
		return URLPath{}, err
	}
	return fromURL(base.ResolveReference(r))
}

// norm returns p with the defaults of the zero URLPath filled in.
func (p URLPath) norm() URLPath {
	if p.scheme == "" {
		p.scheme = "http"
	}
	if p.host == "" {
		p.host = "localhost"
	}
	if p.path == "" {
		p.path = "/"
	}
	return p
}

// mod returns q, a URLPath derived from p, without a fragment, and with
// p's query if opts asks for it, as Twisted's URLPath._mod.
func (q URLPath) mod(p URLPath, opts []URLPathOption) URLPath {
	q.fragment, q.query = "", ""
	if slices.Contains(opts, KeepQuery) {
		q.query = p.query
	}
	return q
}

// resolveDots resolves the reference "." or ".." against the escaped
// absolute path base.
func resolveDots(base, ref string) string {
	path, err := url.PathUnescape(base)
	if err != nil {
		path = base // not reached: base was escaped by this file or net/url
	}
	u := url.URL{Path: path, RawPath: base}
	return u.ResolveReference(&url.URL{Path: ref}).EscapedPath()
}

// escapeName returns name as the text of one path segment: bytes that may
// appear in a segment (RFC 3986's pchar: letters, digits, "-._~",
// "!$&'()*+,;=", ":" and "@") and "%" followed by two hex digits stay; the
// others are percent-encoded.
func escapeName(name string) string { return escapeText(name, "") }

// escapeText returns s with the bytes that may not appear in a path
// segment percent-encoded, as escapeName says, except those in keep.
func escapeText(s, keep string) string {
	i := 0
	for i < len(s) && pathByte(s, i, keep) {
		i++
	}
	if i == len(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; pathByte(s, i, keep) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// pathByte reports whether s[i] may stay as it is in a path segment (or
// is in keep).
func pathByte(s string, i int, keep string) bool {
	c := s[i]
	switch {
	case unreserved(c) || strings.IndexByte("!$&'()*+,;=:@", c) >= 0 || strings.IndexByte(keep, c) >= 0:
		return true
	case c == '%':
		return i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2])
	}
	return false
}
