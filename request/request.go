package request

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
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

// DefaultMaxBodySize is the largest request body read when Config.MaxBodySize is zero.
const DefaultMaxBodySize = 10 << 20

// Config is what a Request needs from the server that made it. A Site fills one
// in and shares it between its requests; it must not change while serving.
// The zero value means: no sessions, no proxy headers trusted, bodies up to
// DefaultMaxBodySize, logs to slog.Default.
type Config struct {
	// Sessions finds and makes sessions for GetSession; nil means the
	// request has no sessions and GetSession panics.
	Sessions SessionSource
	// TrustProxyHeaders makes IsSecure, PrePathURL and ClientAddr honour
	// X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For. Set it only
	// behind a proxy that sets (and overwrites) them.
	TrustProxyHeaders bool
	// MaxBodySize limits the bytes Content and Args read from a body; beyond
	// it they return an error with status 413. Zero means
	// DefaultMaxBodySize; negative means no limit.
	MaxBodySize int64
	// DisplayTracebacks shows the error and stack on 500 pages.
	DisplayTracebacks bool
	// Logger receives failures; nil means slog.Default.
	Logger *slog.Logger
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
	// rendering): the path after its first "/", and the offset of the next
	// unconsumed segment in it (len(path)+1 when none remains). Segments
	// are cut out of path when needed, so a request holds no segment list.
	path    string
	next    int32 // paths are far shorter than 2 GiB: MaxHeaderBytes
	escaped bool  // path is the raw (escaped) path: segments need decoding

	// The response state below is guarded by mu (as is the more pointer).
	wroteHeader bool
	finished    bool
	setCookie   [2]bool // the response must carry sess[i]'s cookie
	code        int32
	mu          sync.Mutex
	sent        int64               // body bytes written
	sess        [2]*session.Session // [0] insecure, [1] secure: GetSession's
	length      [1]string           // the Content-Length value FinishWith sets: no allocation

	now atomic.Int64 // the clock reading in Unix nanoseconds, 0 until Now

	// *more holds what few requests need, allocated on first use so that a
	// plain request stays small (allocation cost grows with size). Set it
	// with ext or extLocked before using its fields.
	*more
}

// more is the lazily allocated part of a Request.
type more struct {
	// body and args are read lazily, under lazy.
	lazy    sync.Mutex
	body    []byte
	bodyErr error
	bodyOK  bool
	args    map[string][]string
	argsErr error
	argsOK  bool

	// The rest is guarded by Request.mu.
	filter  BodyFilter     // set by SetBodyFilter
	enc     io.WriteCloser // what filter returned: the body goes through it
	gone    error          // why the response was abandoned, or nil
	done    chan struct{}  // closed at the end, made by Done
	lastMod time.Time      // set by SetLastModified
	notify  []chan error   // from NotifyFinish, told at the end
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
	req := &Request{w: w, r: r, cfg: cfg, code: http.StatusOK}
	if r.URL.Path == "*" {
		req.next = 1 // the target "*" has no segments: path "" is exhausted
	} else {
		req.path, req.escaped = pathOf(r.URL)
	}
	return req
}

// HTTPRequest returns the standard library's view of the request. Reading its
// Body directly bypasses Content and Args.
func (r *Request) HTTPRequest() *http.Request { return r.r }

// ResponseWriter returns an http.ResponseWriter for resources that hand
// the response to the standard library (http.ServeContent, a mounted
// http.Handler). It writes straight to the client, and tells the Request
// what it does: when it sends the headers, those of the request's sessions
// (see GetSession) go with them, and its status and body bytes are the
// response's (HeadersSent, ResponseCode, BytesWritten, the access log).
// A status set with SetResponseCode before is the default for its first
// Write. Whoever writes through it owns the response: call Finish
// afterwards so the server knows it ended (unless it hijacked the
// connection, which abandons the response). It implements http.Flusher and
// http.Hijacker; its Unwrap method returns the server's writer, for
// http.ResponseController.
func (r *Request) ResponseWriter() http.ResponseWriter { return rawWriter{r} }

// Context returns the request's context. It is cancelled when the client
// goes away or the response ends.
func (r *Request) Context() context.Context { return r.r.Context() }

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
// sessions it is the session clock (Config.Sessions.SessionClock), the one
// their deadlines are on, so that GetSession touches with it; it then
// drifts from the wall clock by any step the wall clock made since the
// Site started (see session.Clock). To show the time, use time.Now.
func (r *Request) Now() time.Time {
	n := r.now.Load()
	if n == 0 {
		var c *session.Clock // nil reads time.Now
		if r.cfg.Sessions != nil {
			c = r.cfg.Sessions.SessionClock()
		}
		n = c.UnixNano()
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

// Path returns the escaped path of the request, without the query.
func (r *Request) Path() string { return r.r.URL.EscapedPath() }

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
// are split on ";", a name is separated from its value at the first "=",
// items without "=" are ignored, values are not unquoted, and the last
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
			item = strings.TrimLeft(item, " ")
			// item is name=value when it starts with the name and an "=";
			// the value is not scanned.
			if len(item) > len(name) && item[len(name)] == '=' && item[:len(name)] == name {
				val, found = item[len(name)+1:], true
			}
		}
	}
	return val, found
}

// ResponseHeader returns the response header map, to be changed before the
// first Write by the goroutine that renders or finishes the response. Once
// the response has ended the server may read the map at any time: from
// another goroutine, use SetHeader and AddCookie, which then do nothing.
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
// headers have been sent or the response has ended.
func (r *Request) SetResponseCode(code int) {
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

var textHTML = []string{"text/html"}

// A BodyFilter may transform a response body, for instance to compress it.
// The Request calls it once, just before it sends the headers, with the
// headers and status about to be sent and dst, the writer of the body. It
// may change the headers and return a writer that transforms what is
// written to it and writes the result to dst; nil leaves the body alone. The
// Request writes every byte of the body through that writer, flushes it
// after each Write when it has a Flush() error method, and closes it when
// the response finishes. If the filter returns a writer, Content-Length is
// removed: the length of the transformed body is not known in advance.
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

// bodyWriter writes the body to the ResponseWriter, counting the bytes sent.
type bodyWriter struct{ r *Request }

func (b bodyWriter) Write(p []byte) (int, error) {
	n, err := b.r.w.Write(p)
	b.r.sent += int64(n)
	return n, err
}

// writeHeaderLocked sends the status line and headers. bodyLen is the length
// of a body known in full, which becomes the Content-Length (unless a HEAD
// response with no body set one of its own), or -1. r.mu must be held.
func (r *Request) writeHeaderLocked(bodyLen int) {
	r.wroteHeader = true
	h := r.w.Header()
	// What the resource set decides some of what is added below. An empty
	// map, the common case, needs no lookups.
	own := len(h) > 0
	// A Content-Type key with a nil value means "send none", as in net/http.
	ctSet := false
	if own {
		_, ctSet = h["Content-Type"]
	}
	if r.usedSessionLocked() {
		r.sessionHeadersLocked(h, own)
	}
	if !ctSet && r.code != http.StatusNoContent && r.code != http.StatusNotModified &&
		(bodyLen > 0 || bodyLen < 0 && !zeroLength(h)) {
		h["Content-Type"] = textHTML
	}
	if bodyLen >= 0 && (bodyLen > 0 || r.r.Method != http.MethodHead || h["Content-Length"] == nil) {
		r.length[0] = strconv.Itoa(bodyLen)
		h["Content-Length"] = r.length[:1:1]
	}
	if r.more != nil && r.filter != nil {
		var dst io.Writer = bodyWriter{r}
		if r.r.Method == http.MethodHead {
			dst = io.Discard
		}
		if r.enc = r.filter(h, int(r.code), dst); r.enc != nil {
			h.Del("Content-Length")
		}
	}
	r.w.WriteHeader(int(r.code))
}

// zeroLength reports whether h says Content-Length: 0. It reads the map
// directly: the header is written with its canonical name.
func zeroLength(h http.Header) bool {
	cl := h["Content-Length"]
	return len(cl) == 1 && cl[0] == "0"
}

// endable reports whether the response may still be written. r.mu must be held.
func (r *Request) endableLocked() error {
	if err := r.goneLocked(); err != nil {
		return err
	}
	if r.finished {
		return ErrFinished
	}
	return nil
}

// Write sends p to the client at once: the first Write sends the status and
// headers (with Content-Type text/html unless the Content-Type header is
// set; set it to nil to send none), and each Write is
// flushed, so an asynchronous response streams. After Finish it returns
// ErrFinished; after the client went away or the server closed, ErrGone or
// ErrClosed; in both cases it writes nothing.
func (r *Request) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return 0, err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1)
	}
	n, err := r.writeBodyLocked(p)
	if err != nil {
		return n, err
	}
	if r.more != nil && r.enc != nil {
		if f, ok := r.enc.(interface{ Flush() error }); ok {
			f.Flush()
		}
	}
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	} else {
		_ = http.NewResponseController(r.w).Flush()
	}
	return n, nil
}

func (r *Request) writeBodyLocked(p []byte) (int, error) {
	if r.r.Method == http.MethodHead || len(p) == 0 {
		return len(p), nil
	}
	var n int
	var err error
	if r.more != nil && r.enc != nil {
		n, err = r.enc.Write(p)
	} else {
		n, err = bodyWriter{r}.Write(p)
	}
	if err != nil && !errors.Is(err, http.ErrBodyNotAllowed) && !errors.Is(err, http.ErrContentLength) {
		// The connection failed under the write: the client went away
		// (the server notices it later, through the request's context).
		// Abandon the response now, so that this and every later write
		// report ErrGone as documented, not the transport's error.
		r.abandonLocked(ErrGone)
		return n, ErrGone
	}
	return n, err
}

// Flush sends any buffered response bytes to the client.
func (r *Request) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1)
	}
	return http.NewResponseController(r.w).Flush()
}

// Finish ends the response: it sends the headers if nothing was written yet,
// and tells NotifyFinish's channels that the response finished. It returns
// ErrFinished if called twice, and ErrGone or ErrClosed if the response was
// abandoned, in which case it does nothing else.
func (r *Request) Finish() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1)
	}
	r.endLocked(nil)
	return nil
}

// FinishWith writes body as the rest of the response and finishes it. If
// nothing was written before, the response gets Content-Length: len(body)
// (a HEAD response with an empty body keeps a Content-Length it set); a HEAD
// response keeps that Content-Length and sends no body. It is how a
// synchronous render's result is sent, and an asynchronous resource may use
// it for its last write.
func (r *Request) FinishWith(body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(len(body)) // the body is the whole response
	}
	_, err := r.writeBodyLocked(body)
	if r.goneLocked() == nil { // else the failed write already ended the response
		r.endLocked(nil)
	}
	return err
}

// Abort abandons the response: later writes return err (ErrGone if err is
// nil) and NotifyFinish's channels receive it. It does nothing if the
// response already ended. The server calls it when the client goes away or
// the Site closes.
func (r *Request) Abort(err error) {
	if err == nil {
		err = ErrGone
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished || r.goneLocked() != nil {
		return
	}
	r.abandonLocked(err)
}

// abandonLocked records why the response was abandoned and ends it. r.mu
// must be held.
func (r *Request) abandonLocked(err error) {
	r.extLocked()
	r.gone = err
	r.endLocked(err)
}

// goneLocked returns why the response was abandoned, or nil. r.mu must be held.
func (r *Request) goneLocked() error {
	if r.more == nil {
		return nil
	}
	return r.gone
}

// endLocked records the end of the response and tells whoever waits. r.mu must be held.
func (r *Request) endLocked(err error) {
	r.finished = r.finished || err == nil
	if r.more == nil {
		return // nobody waits: Done answers closedChan from now on
	}
	if r.enc != nil && err == nil {
		if cerr := r.enc.Close(); cerr != nil {
			r.Logger().Error("request: closing the body filter", "uri", r.URI(), "err", cerr)
		}
	}
	for _, c := range r.notify {
		c <- err
	}
	r.notify = nil
	if r.done != nil {
		close(r.done)
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Ended reports whether the response finished or was abandoned.
func (r *Request) Ended() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished || r.goneLocked() != nil
}

// Done returns a channel that is closed when the response finishes or is
// abandoned. The server waits on it for asynchronous responses.
func (r *Request) Done() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished || r.goneLocked() != nil {
		return closedChan
	}
	r.extLocked()
	if r.done == nil {
		r.done = make(chan struct{})
	}
	return r.done
}

// Err returns why the response was abandoned (ErrGone or ErrClosed), or nil.
func (r *Request) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.goneLocked()
}

// NotifyFinish returns a new channel that receives exactly one value: nil
// when the response finishes, or an error (ErrGone, ErrClosed) when it is
// abandoned. Asked after the end, the channel has its value at once. The
// channel is buffered: nobody needs to receive from it.
func (r *Request) NotifyFinish() <-chan error {
	c := make(chan error, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.goneLocked() != nil:
		c <- r.gone
	case r.finished:
		c <- nil
	default:
		r.extLocked()
		r.notify = append(r.notify, c)
	}
	return c
}

// HeadersSent reports whether the status and headers have been sent.
func (r *Request) HeadersSent() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wroteHeader
}
