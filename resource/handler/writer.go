package handler

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/gotwisted/web/request"
)

// bufSize is how much of a response is held back so that a small response
// can be sent with a Content-Length (net/http holds back as much).
const bufSize = 4 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}

// writer is the http.ResponseWriter a mounted handler writes to. It sends
// through the Request, so that the status and byte count reach the access
// log, and it keeps net/http's habits: a held-back first part of the body,
// a sniffed Content-Type, and a 200 on the first Write.
//
// A writer is used by the handler's goroutine only, as any ResponseWriter.
type writer struct {
	r        *request.Request
	buf      *[]byte // held-back body bytes, not yet given to r
	code     int     // the status; 0 until WriteHeader
	started  bool    // the headers went out through r
	hijacked bool
}

var (
	_ http.ResponseWriter = (*writer)(nil)
	_ http.Flusher        = (*writer)(nil)
	_ http.Hijacker       = (*writer)(nil)
)

func newWriter(r *request.Request) *writer {
	return &writer{r: r}
}

// Header returns the Request's response header.
func (w *writer) Header() http.Header { return w.r.ResponseHeader() }

// WriteHeader sets the status. A 1xx status other than 101 is sent at once
// (net/http allows several); later calls are ignored, as are calls after
// the first Write.
func (w *writer) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.hijacked || w.code != 0 || w.started {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.r.ResponseWriter().WriteHeader(code)
		return
	}
	w.code = code
	w.r.SetResponseCode(code)
}

// Write holds p back while the body fits the buffer, and sends the buffer
// and p through the Request once it does not.
func (w *writer) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.code) {
		return 0, http.ErrBodyNotAllowed
	}
	if !w.started {
		if w.buf == nil {
			w.buf = bufPool.Get().(*[]byte)
		}
		if len(*w.buf)+len(p) <= bufSize {
			*w.buf = append(*w.buf, p...)
			return len(p), nil
		}
		if err := w.sendBuffered(p); err != nil {
			return 0, err
		}
	}
	return w.r.Write(p)
}

// sendBuffered sends the headers and the held-back bytes; next is the data
// that comes after them, for sniffing when nothing was held back.
func (w *writer) sendBuffered(next []byte) error {
	var held []byte
	if w.buf != nil {
		held = *w.buf
	}
	sniff := held
	if len(sniff) == 0 {
		sniff = next
	}
	w.prepareHeader(sniff)
	w.started = true
	if len(held) > 0 {
		_, err := w.r.Write(held)
		*w.buf = held[:0]
		return err
	}
	return nil
}

// prepareHeader gives the response the Content-Type net/http would give
// it: the handler's own, or one sniffed from data; none (and not the
// framework's default text/html) when there is nothing to sniff, when the
// body is encoded, or when the handler set Content-Type to nil.
func (w *writer) prepareHeader(data []byte) {
	h := w.r.ResponseHeader()
	ct, has := h["Content-Type"]
	switch {
	case has && ct != nil:
	case !has && len(data) > 0 && bodyAllowed(w.status()) &&
		h.Get("Content-Encoding") == "" && h.Get("Transfer-Encoding") == "":
		h["Content-Type"] = []string{http.DetectContentType(data)}
	default:
		h["Content-Type"] = []string{} // present, so no default is added
	}
}

func (w *writer) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Flush sends the headers and everything written so far.
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting an error; http.ResponseController uses it.
func (w *writer) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.started {
		had := w.buf != nil && len(*w.buf) > 0
		if err := w.sendBuffered(nil); err != nil || had {
			return err
		}
	}
	return w.r.Flush()
}

// Hijack hands the connection to the handler; the Request is then
// abandoned with http.ErrHijacked.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.started {
		return nil, nil, errors.New("handler: Hijack after the response started")
	}
	c, rw, err := http.NewResponseController(w.r.ResponseWriter()).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// Unwrap returns the server's ResponseWriter, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.r.ResponseWriter() }

// finish ends the response once the handler returned: a response held back
// in full goes out with a Content-Length.
func (w *writer) finish() {
	switch {
	case w.hijacked:
		w.r.Abort(http.ErrHijacked)
	case w.r.Ended():
	case !bodyAllowed(w.status()):
		// No Content-Length on a 204 or 304 (RFC 9110 §8.6).
		w.prepareHeader(nil)
		w.started = true
		_ = w.r.Finish()
	case !w.started:
		var body []byte
		if w.buf != nil {
			body = *w.buf
		}
		w.prepareHeader(body)
		w.started = true
		_ = w.r.FinishWith(body)
	default:
		_ = w.r.Finish()
	}
}

// abandon deals with a panic in the handler: before anything was sent, the
// headers the handler set are dropped so that the failure page is clean;
// http.ErrAbortHandler abandons the response.
func (w *writer) abandon(v any) {
	if v == http.ErrAbortHandler {
		w.r.Abort(http.ErrAbortHandler)
		return
	}
	if !w.started && !w.hijacked {
		clear(w.r.ResponseHeader())
		w.r.SetResponseCode(http.StatusOK)
	}
}

func (w *writer) release() {
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
		bufPool.Put(w.buf)
		w.buf = nil
	}
}

// bodyAllowed reports whether a response with this status may have a body.
func bodyAllowed(code int) bool {
	return (code < 100 || code > 199) && code != http.StatusNoContent && code != http.StatusNotModified
}
