package request

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// ResponseWriter returns the Request as an http.ResponseWriter, for code
// that hands the response to the standard library: a mounted http.Handler,
// http.ServeContent, an httputil.ReverseProxy. It is the one adapter between
// the two: what goes through it follows net/http's rules (the status of the
// first WriteHeader, a Content-Type sniffed from the body when none is set,
// a Content-Length when the whole body is written before the render method
// returns, except over HTTP/2 with a write idle timeout (see
// Config.WriteIdleTimeout), no body for HEAD, 204 and 304, 1xx statuses
// sent at once, a panic on an invalid status), and the Request's own (the
// session headers and cookies of GetSession, the body filter, coalesced
// writes until the render method returns, the status and byte count the
// access log reports). A status set with SetResponseCode is the default
// for its first Write.
//
// Whoever writes through it owns the response: return from the render
// method (or call Finish) when done. It implements http.Flusher,
// io.ReaderFrom and http.Hijacker, and its Unwrap method returns the
// server's writer for http.ResponseController. After a Hijack the Request
// stays pending until the connection's new owner calls Finish or Abort,
// but the server's handler no longer waits for it (see Request.Hijacked);
// writes through the Request return http.ErrHijacked.
//
// Like any ResponseWriter, its Header map belongs to the goroutine that
// writes the response.
func (r *Request) ResponseWriter() http.ResponseWriter { return responseWriter{r} }

// responseWriter is what ResponseWriter returns.
type responseWriter struct{ r *Request }

// Header returns the response header map.
func (w responseWriter) Header() http.Header { return w.r.w.Header() }

// WriteHeader sends the status and the headers the first time. An
// informational status (1xx other than 101) goes straight through, as
// net/http allows several; so does a call after the headers were sent,
// which net/http then reports. After the response ended it does nothing. It
// panics on a code net/http would refuse, before changing anything, so that
// the failure page can still be sent.
func (w responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	r := w.r
	informational := code < 200 && code != http.StatusSwitchingProtocols
	r.mu.Lock()
	if !informational { // a 1xx carries no session cookie: nothing to store first
		r.sendSessionsLocked()
	}
	defer r.mu.Unlock()
	if r.endableLocked() != nil {
		return
	}
	if r.wroteHeader || informational {
		r.w.WriteHeader(code)
		return
	}
	r.code = int32(code)
	r.writeHeaderLocked(-1, true, nil)
}

// Write writes p to the body, after the headers if they were not sent. It
// returns ErrFinished, ErrGone or ErrClosed, writing nothing, once the
// response ended.
func (w responseWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	w.r.sendSessionsLocked()
	defer w.r.mu.Unlock()
	return w.r.writeLocked(p, true)
}

// Flush sends the headers if they were not sent, and any buffered bytes.
func (w responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush, reporting failure; http.ResponseController uses it.
func (w responseWriter) FlushError() error { return w.r.flush(true) }

// copyBufs holds the buffers ReadFrom copies through.
var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// ReadFrom copies src to the body through a pooled buffer, one Write at a
// time, so that a long copy (http.ServeContent's) neither allocates a buffer
// of its own nor holds the Request's lock between writes
// (BenchmarkFileSmall in resource/static).
func (w responseWriter) ReadFrom(src io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	var n int64
	for {
		nr, rerr := src.Read(buf[:])
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Hijack hands the connection over to the caller (http.Hijacker), as
// http.ResponseController would through Unwrap. The Request stays pending
// until Finish or Abort, or until Config.Context is cancelled, which
// aborts it with ErrClosed; nothing more is written by it. From then on
// Context returns the connection's context, cancelled when the Request
// ends.
func (w responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return nil, nil, err
	}
	c, rw, err := http.NewResponseController(r.w).Hijack()
	if err != nil {
		return c, rw, err
	}
	r.hijacked = true
	r.wroteHeader = true // nothing may be sent by the server any more
	r.wakeSaveWaitersLocked()
	// Let go of the server's writer, which holds its state and buffers
	// for the connection (4 KiB and more), so that they need not live as
	// long as the connection does. Keep the header map, as net/http's
	// writer does after a Hijack: httputil.ReverseProxy fills it with the
	// upstream's 101 headers after hijacking, then writes it out itself.
	r.w = detached{h: r.w.Header()}
	// The server's handler may return before the Request ends, which
	// cancels the request's context: give the Request one of its own.
	hj := &hijack{}
	hj.ctx, hj.cancel = context.WithCancelCause(context.WithoutCancel(r.r.Context()))
	if srv := r.cfg.Context; srv != nil {
		// Nothing waits meanwhile: AfterFunc starts a goroutine only when
		// srv is cancelled. endLocked stops the watch.
		hj.stop = context.AfterFunc(srv, func() { r.Abort(ErrClosed) })
	}
	r.extLocked()
	r.hj = hj
	return c, rw, nil
}

// Hijacked reports whether the connection was hijacked through
// ResponseWriter. Such a Request is the connection's new owner's, which
// ends it with Finish or Abort when it is done with the connection; the
// server's handler does not wait for that, so that a long-lived connection
// (a WebSocket) holds no goroutine or buffer of the server's. The server
// reaches the Request through Config.Context instead: cancelling it aborts
// the Request with ErrClosed, which NotifyFinish's channels and Context's
// cancellation tell the owner.
func (r *Request) Hijacked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hijacked
}

// Unwrap returns the server's writer, for http.ResponseController; after a
// Hijack, a writer that writes nothing. Over HTTP/2 it is a writer that
// stops using the server's once the response has ended, reporting
// ErrFinished, since net/http's panics when used after its handler
// returned.
func (w responseWriter) Unwrap() http.ResponseWriter { return w.r.w }

// detached is a hijacked Request's writer in place of the server's. It
// writes nothing; its Header is the response's header map, which the
// server no longer sends, for whoever writes the response on the
// connection itself.
type detached struct{ h http.Header }

func (d detached) Header() http.Header                        { return d.h }
func (detached) Write([]byte) (int, error)                    { return 0, http.ErrHijacked }
func (detached) WriteHeader(int)                              {}
func (detached) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, http.ErrHijacked }
