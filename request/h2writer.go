package request

import (
	"net/http"
	"sync"
	"time"
)

// h2Writer is the server's writer of an HTTP/2 request as a Request holds
// it. net/http's HTTP/2 writer panics when it is used after its handler
// returned (Header, WriteHeader, Write, Flush, its deadlines), and a
// goroutine of a resource may still hold the Request then: the client
// reset its stream, the response finished. A panic there, on a goroutine
// that is not the handler's, ends the process. So once the Request has
// ended (end, called by endLocked, before the handler can return), h2Writer
// no longer touches the server's writer: Header returns a map of its own,
// the rest do nothing and report ErrFinished.
//
// Its lock is its own, not the Request's, which a Write holds while it
// waits on the client: a deadline set from another goroutine to cut that
// write (as the CGI resource does) must not wait for it.
type h2Writer struct {
	w http.ResponseWriter

	mu    sync.Mutex
	ended bool // the Request ended: w is not used any more
}

// end marks the Request ended: from now on the server's writer is left
// alone.
func (h *h2Writer) end() {
	h.mu.Lock()
	h.ended = true
	h.mu.Unlock()
}

// live runs f with the server's writer unless the Request has ended, and
// reports ErrFinished if it has.
func (h *h2Writer) live(f func(w http.ResponseWriter) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return ErrFinished
	}
	return f(h.w)
}

// Header returns the server's header map; after the end, a map that
// nobody sends.
func (h *h2Writer) Header() http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return make(http.Header)
	}
	return h.w.Header()
}

func (h *h2Writer) WriteHeader(code int) {
	_ = h.live(func(w http.ResponseWriter) error { w.WriteHeader(code); return nil })
}

// Write writes p. The Request calls it with its own lock held, so the
// Request cannot end meanwhile, and the lock of h is not held while the
// write waits on the client.
func (h *h2Writer) Write(p []byte) (int, error) {
	h.mu.Lock()
	ended := h.ended
	h.mu.Unlock()
	if ended {
		return 0, ErrFinished
	}
	return h.w.Write(p)
}

// FlushError sends what the server buffers; as Write, it is called with
// the Request's lock held.
func (h *h2Writer) FlushError() error {
	h.mu.Lock()
	ended := h.ended
	h.mu.Unlock()
	if ended {
		return ErrFinished
	}
	return http.NewResponseController(h.w).Flush()
}

// SetReadDeadline, SetWriteDeadline and EnableFullDuplex are
// http.ResponseController's.

func (h *h2Writer) SetReadDeadline(t time.Time) error {
	return h.live(func(w http.ResponseWriter) error { return http.NewResponseController(w).SetReadDeadline(t) })
}

func (h *h2Writer) SetWriteDeadline(t time.Time) error {
	return h.live(func(w http.ResponseWriter) error { return http.NewResponseController(w).SetWriteDeadline(t) })
}

func (h *h2Writer) EnableFullDuplex() error {
	return h.live(func(w http.ResponseWriter) error { return http.NewResponseController(w).EnableFullDuplex() })
}
