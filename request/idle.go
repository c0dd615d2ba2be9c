package request

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// DefaultBodyIdleTimeout is how long a read of a request body waits for the
// client when Config.BodyIdleTimeout is zero: the default of nginx's
// client_body_timeout.
const DefaultBodyIdleTimeout = 60 * time.Second

// idleBody is a request body whose reads give up once the client has sent
// nothing for timeout, so that a client that stops sending its body cannot
// hold the request (and its connection) open for ever. A slow but steady
// upload is never cut: the clock restarts at each read.
//
// Where the server supports it (net/http, for HTTP/1 and HTTP/2 alike), a
// read deadline is set through http.ResponseController for the time of each
// read and cleared after it, so it never applies while nobody reads: not to
// the time an asynchronous response takes, nor to a hijacked connection.
// Elsewhere a timer closes the body when the time runs out, which ends a
// blocked read in most bodies (pipes, HTTP/2 streams). Closing does not end
// a read of net/http's HTTP/1 bodies, but their server takes deadlines,
// unless a middleware hides its ResponseWriter without an Unwrap method.
//
// One goroutine reads it at a time, as any io.Reader; stop and Close may
// be called from another (a proxy's transport may still be reading when the
// response ends). After stop, reads fail without touching the server: a
// ResponseWriter must not be used once its handler has returned.
type idleBody struct {
	src     io.ReadCloser
	w       http.ResponseWriter
	timeout time.Duration
	err     error // once the body timed out: every later read fails

	mu      sync.Mutex // guards the fields below
	mode    idleMode
	timer   *time.Timer // modeTimer: closes src when it fires
	stopped bool        // the response ended: reads fail
}

type idleMode uint8

const (
	modeUnknown  idleMode = iota // before the first read
	modeDeadline                 // the server takes read deadlines
	modeTimer                    // it does not: a timer closes the body
)

// newIdleBody returns body read through an idleBody, or nil if cfg
// disables the timeout. It leaves the *http.Request's Body alone: net/http
// looks at that body's type when a response starts before the body was
// read. The Request makes them through watch, which stops them when the
// response ends.
func newIdleBody(w http.ResponseWriter, body io.ReadCloser, cfg *Config) *idleBody {
	t := cfg.BodyIdleTimeout
	if t == 0 {
		t = DefaultBodyIdleTimeout
	}
	if t < 0 {
		return nil
	}
	return &idleBody{src: body, w: w, timeout: t}
}

// Read reads from the body, giving up with a *StatusError of status 408,
// wrapping ErrBodyTimeout, if the client sends nothing for the timeout.
func (b *idleBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if !b.arm() {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.src.Read(p)
	if b.disarm() || errors.Is(err, os.ErrDeadlineExceeded) {
		b.err = &StatusError{http.StatusRequestTimeout, ErrBodyTimeout}
		b.cut()
		return n, b.err
	}
	return n, err
}

// cut leaves the deadline in the past after a timeout: whatever reads the
// connection next (net/http looking for the end of the body) fails at
// once, and the connection is closed.
func (b *idleBody) cut() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mode == modeDeadline && !b.stopped {
		_ = http.NewResponseController(b.w).SetReadDeadline(time.Unix(1, 0))
	}
}

// Close stops the clock and closes the body.
func (b *idleBody) Close() error {
	b.stop()
	return b.src.Close()
}

// arm starts the clock for one read; it reports false once stopped.
func (b *idleBody) arm() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	if b.mode != modeTimer {
		err := http.NewResponseController(b.w).SetReadDeadline(time.Now().Add(b.timeout))
		if err == nil || b.mode == modeDeadline {
			b.mode = modeDeadline
			return true
		}
		b.mode = modeTimer // the first read: the server takes no deadlines
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.timeout, b.expire)
	} else {
		b.timer.Reset(b.timeout)
	}
	return true
}

// disarm stops the clock after a read and reports whether it ran out.
func (b *idleBody) disarm() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false // stop has stopped the timer, and the server is not ours to touch
	}
	if b.mode == modeDeadline {
		_ = http.NewResponseController(b.w).SetReadDeadline(time.Time{})
		return false
	}
	return !b.timer.Stop() // it fired: expire closed the body
}

// expire runs when the timer fires: closing the body ends the blocked read.
func (b *idleBody) expire() { b.src.Close() }

// stop stops the timer, if any, and makes later reads fail: the body is
// read no more.
func (b *idleBody) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
	if b.timer != nil {
		b.timer.Stop()
	}
}
