package request

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
)

// rawWriter is the http.ResponseWriter that Request.ResponseWriter hands
// out: it writes to the server's writer, and keeps the Request's state in
// step, under the Request's mutex, as the Request's own methods do.
type rawWriter struct{ r *Request }

// Header returns the response header map. Like any ResponseWriter's, it
// belongs to the goroutine that writes the response.
func (w rawWriter) Header() http.Header { return w.r.w.Header() }

// WriteHeader sends the status and the headers, with those of the
// request's sessions, the first time. An informational status (1xx other
// than 101) goes straight through, as net/http allows several; so does a
// call after the headers were sent, which net/http then reports. After the
// response ended it does nothing. It panics on a code net/http would
// refuse, before changing anything, so that the failure page can still be
// sent.
func (w rawWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.endableLocked() != nil {
		return
	}
	if r.wroteHeader || (code < 200 && code != http.StatusSwitchingProtocols) {
		r.w.WriteHeader(code)
		return
	}
	r.rawHeaderLocked(code)
}

// Write sends p, after the headers if they were not sent (with the status
// set by SetResponseCode, 200 by default). It returns ErrFinished, ErrGone
// or ErrClosed, writing nothing, once the response ended.
func (w rawWriter) Write(p []byte) (int, error) {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.rawStartLocked(); err != nil {
		return 0, err
	}
	if r.r.Method == http.MethodHead {
		// net/http drops the body itself, after using it for the
		// Content-Length and Content-Type it works out.
		return r.w.Write(p)
	}
	return r.writeBodyLocked(p)
}

// Flush sends the headers if they were not sent, and any buffered bytes.
func (w rawWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush, reporting failure; http.ResponseController uses it.
func (w rawWriter) FlushError() error {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.rawStartLocked(); err != nil {
		return err
	}
	return http.NewResponseController(r.w).Flush()
}

// Hijack hands the connection over to the caller (http.Hijacker), as
// http.ResponseController would through Unwrap, and then abandons the
// response with http.ErrHijacked, so that the server stops waiting for it
// and nothing more is written by the Request.
func (w rawWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return nil, nil, err
	}
	c, rw, err := http.NewResponseController(r.w).Hijack()
	if err == nil {
		r.abandonLocked(http.ErrHijacked)
	}
	return c, rw, err
}

// Unwrap returns the server's writer, for http.ResponseController.
func (w rawWriter) Unwrap() http.ResponseWriter { return w.r.w }

// rawStartLocked readies the response for bytes from rawWriter: it
// reports why not once the response ended, and otherwise sends the headers
// if they were not sent, with the status set by SetResponseCode. r.mu must
// be held.
func (r *Request) rawStartLocked() error {
	if err := r.endableLocked(); err != nil {
		return err
	}
	if !r.wroteHeader {
		r.rawHeaderLocked(int(r.code))
	}
	return nil
}

// rawHeaderLocked sends the headers for rawWriter: unlike
// writeHeaderLocked it adds no Content-Type or Content-Length and no body
// filter, since the code that writes through rawWriter sets its own. r.mu
// must be held.
func (r *Request) rawHeaderLocked(code int) {
	r.wroteHeader = true
	r.code = int32(code)
	if r.usedSessionLocked() {
		h := r.w.Header()
		r.sessionHeadersLocked(h, len(h) > 0)
	}
	r.w.WriteHeader(code)
}
