package request

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotwisted/web/session"
)

// Errors reported by the response-writing methods and by NotifyFinish.
var (
	// ErrFinished is returned by Write and Finish once the response has finished.
	ErrFinished = errors.New("request: response already finished")
	// ErrGone is reported when the client went away before the response finished.
	ErrGone = errors.New("request: client went away")
	// ErrClosed is reported when the server closed before the response finished.
	ErrClosed = errors.New("request: server closed")
)

// Config is what a Request needs from the server that made it. A Site fills one
// in and shares it between its requests; it must not change while serving.
// The zero value means: no sessions, no proxy headers trusted, the default
// body limits (see the body fields), logs to slog.Default.
type Config struct {
	// Sessions finds and makes the sessions of GetSession; nil means the
	// request has no sessions and GetSession panics.
	Sessions *session.Manager
	// SessionCookie is the template of the cookie that carries the
	// session's uid: its Name, Path, Domain, HttpOnly, SameSite and
	// MaxAge (a Site sets TWISTED_SESSION, Path=/, HttpOnly,
	// SameSite=Lax). SecureSessionCookieName names the cookie of the
	// secure session, the one GetSession returns over TLS, which also
	// gets the Secure attribute. A cookie that http.Cookie cannot send
	// (an empty name) is never sent, so every request gets a new session.
	SessionCookie           http.Cookie
	SecureSessionCookieName string
	// TrustProxyHeaders makes IsSecure, PrePathURL and ClientAddr honour
	// X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For: the last
	// entry of each, the one the proxy in front of the server wrote. Set
	// it only behind a proxy that sets them.
	TrustProxyHeaders bool
	// MaxBodySize limits the bytes Content, ContentReader and Args read
	// from a body; beyond it they return an error with status 413. Zero
	// means DefaultMaxBodySize; negative means no limit.
	MaxBodySize int64
	// SpoolThreshold is the size beyond which a body read by Content,
	// ContentReader or Args is kept in a temporary file rather than in
	// memory. Zero means DefaultSpoolThreshold; negative means never.
	SpoolThreshold int64
	// MaxFormMemory limits the bytes of form values Args keeps in memory:
	// an urlencoded body, and the multipart parts it returns as values;
	// beyond it Args returns an error with status 413. Zero means
	// DefaultMaxFormMemory; negative means no limit.
	MaxFormMemory int64
	// MaxFormFields limits the arguments Args parses from the query and an
	// urlencoded body together; beyond it Args returns an error with
	// status 413. Zero means DefaultMaxFormFields; negative means no limit.
	MaxFormFields int
	// MaxMultipartParts limits the parts of a multipart body Args reads,
	// and their header lines to 10 per part allowed, counted over all of
	// them; beyond either Args returns an error with status 413. Zero means
	// DefaultMaxMultipartParts; negative means no limit.
	MaxMultipartParts int
	// BodyIdleTimeout is how long Content, ContentReader and Args wait for
	// the client to send more of the body; beyond it they return an error
	// with status 408. Zero means DefaultBodyIdleTimeout; negative means
	// no limit.
	BodyIdleTimeout time.Duration
	// WriteIdleTimeout is how long a write of an HTTP/2 response may wait
	// for the client to take it, through the stream's flow control, before
	// the stream is reset (the write then fails, and the response reports
	// ErrGone). A long write goes in pieces of 256 KiB, each with the whole
	// timeout, so a slow but steady client is kept. The last bytes of a
	// response, which net/http would still hold when the handler returns
	// (up to 4 KiB), are flushed when it finishes, under the same timeout;
	// so a small response without a declared Content-Length gets none
	// over HTTP/2. HTTP/1 writes are the server's to bound (a Site's
	// serving helpers do). Zero or negative means no limit.
	WriteIdleTimeout time.Duration
	// DisplayTracebacks shows the error and stack on 500 pages.
	DisplayTracebacks bool
	// Logger receives failures; nil means slog.Default.
	Logger *slog.Logger
	// Context is the server's lifetime: when it is cancelled (Site.Close
	// cancels the Site's), each Request whose connection was hijacked
	// through ResponseWriter and that has not ended is aborted with
	// ErrClosed, since no handler waits for it (see Request.Hijacked).
	// Other requests never look at it. nil means never.
	Context context.Context

	// cookies holds the formatted session cookies, a *[2]cookieFormat
	// ([0] insecure, [1] secure) made at the first use. An atomic.Value,
	// unlike a sync.Once, leaves a Config copyable.
	cookies atomic.Value
}

var defaultConfig Config

// Request is one HTTP exchange as a resource sees it: the path split into
// consumed (prepath) and remaining (postpath) segments, the request's
// arguments, headers and body, and the response being built.
//
// A Request is made by the server for each exchange (New makes one for tests
// and for other servers) and is never reused, so a resource may keep it past
// its render method to finish an asynchronous response. All methods are safe
// for concurrent use.
type Request struct {
	w   http.ResponseWriter
	r   *http.Request
	cfg *Config

	// Traversal state, owned by the goroutine that traverses (before
	// rendering): the offset of the next unconsumed segment in the path
	// (len(path)+1 when none remains; see path), and where the path comes
	// from. Segments are cut out of the path when needed, so a request
	// holds no segment list, nor the path itself.
	next    int32   // int32 packs with the flags below: a smaller size class (BenchmarkSiteStaticTree)
	pathSrc pathSrc // which of the URL's paths traversal splits

	// The response state below is guarded by mu (as is the more pointer).
	wroteHeader bool
	finished    bool
	streaming   bool           // each Write is flushed: set by Stream
	hijacked    bool           // the connection was taken through ResponseWriter
	cookie      [2]cookieState // what the response owes the cookie of sess ([0]) or of more.forcedSess ([1])
	code        int32
	mu          sync.Mutex
	sent        int64 // body bytes written
	// sess is GetSession's session of the connection's own kind (the
	// secure one over TLS); the insecure one asked for over TLS with
	// ForceNotSecure, rarer, is more.forcedSess.
	sess *session.Session
	// hdr holds the values of the headers the Request adds (Content-Type,
	// Content-Length, Vary, Cache-Control), so that they cost no
	// allocation (BenchmarkSiteStaticTree, BenchmarkGetSessionExisting)
	// and belong to this response alone.
	hdr [4]string

	// *more holds what few requests need, allocated on first use so that a
	// plain request stays small: allocation cost grows with size, by about
	// 2.5% of BenchmarkSiteStaticTree for each 16 bytes (see
	// docs/performance.md). Set it with ext or extLocked before using its
	// fields.
	*more
}

// more is the lazily allocated part of a Request.
type more struct {
	bodyState // Content, Args and the spool file, under their own locks

	now atomic.Int64 // the clock reading in Unix nanoseconds, 0 until Now

	// The rest is guarded by Request.mu.
	filter     BodyFilter       // set by SetBodyFilter
	enc        io.WriteCloser   // what filter returned: the body goes through it
	gone       error            // why the response was abandoned, or nil
	lastMod    time.Time        // set by SetLastModified
	notify     []chan error     // from NotifyFinish, told at the end
	appRoot    string           // set by RememberRootURL
	forcedSess *session.Session // see Request.sess
	hj         *hijack          // set by Hijack, with hijacked

	// saved is closed when a store of sessions ends, or the response
	// ends or is hijacked, if someone waits (see saveSessionsLocked,
	// wakeSaveWaitersLocked). With it more is 288 bytes, a size class,
	// because bodyState's flags sit together.
	saved chan struct{}
}

// hijack is what a Request whose connection was hijacked keeps, to be
// ended without its server's handler: see Request.Hijacked. Its fields
// are set by Hijack, then read only.
type hijack struct {
	ctx    context.Context         // what Context returns: the request's values, cancelled by cancel
	cancel context.CancelCauseFunc // called when the Request ends, with NotifyFinish's value
	stop   func() bool             // stops the watch on Config.Context; nil without one
}

// ext makes sure r.more is allocated. Afterwards the calling goroutine may
// use r.more's fields (under the locks they name).
func (r *Request) ext() {
	r.mu.Lock()
	r.extLocked()
	r.mu.Unlock()
}

// extLocked is ext with r.mu held.
func (r *Request) extLocked() {
	if r.more == nil {
		r.more = new(more)
	}
}

// New returns the Request for one exchange. The server calls it once per
// exchange; tests may call it with an httptest.ResponseRecorder. cfg may be
// nil for the defaults; it is shared, not copied.
func New(w http.ResponseWriter, r *http.Request, cfg *Config) *Request {
	if cfg == nil {
		cfg = &defaultConfig
	}
	if r.ProtoMajor == 2 {
		w = &h2Writer{w: w, timeout: max(cfg.WriteIdleTimeout, 0)} // see h2Writer
	}
	req := &Request{w: w, r: r, cfg: cfg, code: http.StatusOK}
	req.pathSrc = pathSrcOf(r.URL)
	if req.pathSrc == noPath {
		req.next = 1 // the target "*" has no segments: path "" is exhausted
	}
	return req
}

// HTTPRequest returns the standard library's view of the request. Do not
// modify it, as net/http asks of handlers: traversal reads the path from
// its URL. Reading its Body directly bypasses the limits of Content and
// Args and the idle timeout: code that streams the body reads Body
// instead.
func (r *Request) HTTPRequest() *http.Request { return r.r }

// Context returns the request's context. It is cancelled when the client
// goes away or the response ends.
//
// Once the connection was hijacked through ResponseWriter, it returns a
// context with the same values that is cancelled when the Request ends
// (Finish, Abort, or the server's closing: see Hijacked), its cause the
// error NotifyFinish reports (context.Canceled after Finish). The context
// returned before the hijack is the server's handler's, cancelled when the
// handler returns, which for a hijacked Request is as soon as its render
// method has.
func (r *Request) Context() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hijacked {
		return r.hj.ctx
	}
	return r.r.Context()
}

// Logger returns the logger failures go to.
func (r *Request) Logger() *slog.Logger {
	if r.cfg.Logger != nil {
		return r.cfg.Logger
	}
	return slog.Default()
}

// DisplayTracebacks reports whether failure pages should show the error and stack.
func (r *Request) DisplayTracebacks() bool { return r.cfg.DisplayTracebacks }

// Now returns the time of the request: the clock is read once, the first
// time Now is called, and the same time is returned afterwards. With
// sessions it is the clock of Config.Sessions (session.Manager.Now), the
// one their deadlines are on; it then drifts from the wall clock by any
// step the wall clock made since the Site started. To show the time, use
// time.Now.
func (r *Request) Now() time.Time {
	r.ext()
	n := r.now.Load()
	if n == 0 {
		if m := r.cfg.Sessions; m != nil {
			n = m.Now().UnixNano()
		} else {
			n = time.Now().UnixNano()
		}
		if !r.now.CompareAndSwap(0, n) {
			n = r.now.Load()
		}
	}
	return time.Unix(0, n)
}

// Method returns the request method, exactly as the client sent it.
func (r *Request) Method() string { return r.r.Method }

// URI returns the request target as sent: the path and the query.
func (r *Request) URI() string { return r.r.RequestURI }

// Path returns the escaped path of the request, without the query: the
// path as the client escaped it (Twisted's request.path), so that "%2F"
// stays, with any byte that a URL cannot hold (such as "|" or a non-ASCII
// byte) percent-encoded. It splits into the segments of Prepath and
// Postpath.
func (r *Request) Path() string {
	if r.pathSrc == rawPath {
		return escapeText(r.r.URL.RawPath, "/[]")
	}
	return r.r.URL.EscapedPath()
}

// Header returns the last value of the named request header, or "" (Twisted's
// getHeader returns the last value, where http.Header.Get returns the first).
func (r *Request) Header(name string) string {
	v := r.r.Header.Values(name)
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Cookie returns the value of the named request cookie. The Cookie headers
// are split on ";", each item loses its leading white space (spaces and
// tabs), a name is separated from its value at the first "=", items
// without "=" are ignored, values are not unquoted, and the last
// occurrence wins, as in Twisted.
func (r *Request) Cookie(name string) (string, bool) {
	var val string
	var found bool
	if strings.IndexByte(name, '=') >= 0 {
		return "", false // a name ends at the first "=": it cannot hold one
	}
	for _, line := range r.r.Header["Cookie"] {
		for len(line) > 0 {
			var item string
			item, line, _ = strings.Cut(line, ";")
			for len(item) > 0 && isCookieSpace(item[0]) {
				item = item[1:]
			}
			// item is name=value when it starts with the name and an "=";
			// the value is not scanned.
			if len(item) > len(name) && item[len(name)] == '=' && item[:len(name)] == name {
				val, found = item[len(name)+1:], true
			}
		}
	}
	return val, found
}

// isCookieSpace reports whether c is white space that Cookie removes
// before each item: what Python's bytes.lstrip() removes in Twisted's
// parseCookies. (A loop, not strings.TrimLeft with a set of six bytes,
// which costs a request with a session cookie about 100 instructions:
// BenchmarkGetSessionExisting.)
func isCookieSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// ResponseHeader returns the response header map, to be changed before the
// first Write by the goroutine that renders or finishes the response. Once
// the response has ended the server may read the map at any time: from
// another goroutine, use SetHeader and AddCookie, which then do nothing.
// Over HTTP/2, once the response has ended, it returns a map that nobody
// sends (net/http's writer panics when asked for its map after its
// handler returned).
func (r *Request) ResponseHeader() http.Header { return r.w.Header() }

// headerLocked returns the response header map if it may still change, or
// nil once the headers were sent or the response ended. r.mu must be held.
func (r *Request) headerLocked() http.Header {
	if r.wroteHeader || r.finished || r.goneLocked() != nil {
		return nil
	}
	return r.w.Header()
}

// SetHeader sets a response header, replacing any values it had. It has no
// effect once the headers have been sent or the response has ended.
func (r *Request) SetHeader(name, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.headerLocked(); h != nil {
		h.Set(name, value)
	}
}

// DelHeader removes a response header. It has no effect once the headers
// have been sent or the response has ended.
func (r *Request) DelHeader(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.headerLocked(); h != nil {
		h.Del(name)
	}
}

// AddCookie adds a Set-Cookie line to the response. It has no effect once
// the headers have been sent or the response has ended.
func (r *Request) AddCookie(c *http.Cookie) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.headerLocked(); h != nil {
		if v := c.String(); v != "" {
			h.Add("Set-Cookie", v)
		}
	}
}

// SetResponseCode sets the response status. It has no effect once the
// headers have been sent or the response has ended. It panics on a code
// outside 100-999, which net/http would refuse when the headers go out:
// the panic comes here, where the mistake is, rather than at a later
// Write, perhaps on another goroutine.
func (r *Request) SetResponseCode(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("request: invalid response code %d", code))
	}
	r.mu.Lock()
	if r.headerLocked() != nil {
		r.code = int32(code)
	}
	r.mu.Unlock()
}

// ResponseCode returns the response status set so far (200 by default).
func (r *Request) ResponseCode() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.code)
}

// Redirect sets the status to 302 Found and the Location header to url. Like
// Twisted's redirect it does not finish the response.
func (r *Request) Redirect(url string) {
	r.SetResponseCode(http.StatusFound)
	r.SetHeader("Location", url)
}

// BytesWritten returns the number of body bytes sent so far.
func (r *Request) BytesWritten() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent
}

// A BodyFilter may transform a response body, for instance to compress it.
// The Request calls it once, just before it sends the headers, with the
// headers and status about to be sent and dst, the writer of the body. It
// may change the headers and return a writer that transforms what is
// written to it and writes the result to dst; nil leaves the body alone. The
// Request writes every byte of the body through that writer, flushes it
// after each Write when it has a Flush() error method, and closes it when
// the response finishes. If the filter returns a writer, Content-Length is
// removed, since the length of the transformed body is not known in
// advance; except for a body known in full (FinishWith, which sends a
// synchronous render's result): that one is transformed before the
// headers go out, and Content-Length is the transformed length. A
// response written through ResponseWriter with no Content-Type, which
// net/http would sniff from the body, has it sniffed from its first Write,
// before the filter, when the filter returns a writer.
//
// If the writer fails (Write, Flush or Close), the body is incomplete: the
// failure is logged, the response is abandoned with it, wrapped
// (NotifyFinish; the Write, Flush, Finish or FinishWith that met it
// returns it, as later ones do), and the Site cuts the connection (over
// HTTP/2 resets the stream), so that the client does not take part of the
// body for the whole. On a body known in full nothing is sent at all. A
// failure of dst that the writer returns, as it is or wrapped (%w), is the
// connection's, not the writer's: the client went away, and the response
// reports ErrGone, as without a filter.
//
// The filter and its writer run while the Request is locked: they must not
// call methods of the Request.
type BodyFilter func(h http.Header, code int, dst io.Writer) io.WriteCloser

// SetBodyFilter makes f the Request's body filter, replacing any before it.
// It has no effect once the headers have been sent.
func (r *Request) SetBodyFilter(f BodyFilter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.extLocked()
	r.filter = f
}
