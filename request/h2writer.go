package request

import (
	"net/http"
	"sync"
	"time"
)

// h2Writer is the server's writer of an HTTP/2 request as a Request holds
// it. It does two things net/http's HTTP/2 writer does not.
//
// It is safe after the end. net/http's writer panics when it is used after
// its handler returned (Header, WriteHeader, Write, Flush, its deadlines),
// and a goroutine of a resource may still hold the Request then: the
// client reset its stream, the response finished. A panic there, on a
// goroutine that is not the handler's, ends the process. So once the
// Request has ended (end, called by endLocked, before the handler can
// return), h2Writer no longer touches the server's writer: Header returns
// a map of its own, the rest do nothing and report ErrFinished.
//
// It bounds a write that waits on the stream's flow control. A client may
// keep its connection live and never open its stream's window: net/http
// then waits for ever, and the response holds its goroutine and whatever
// it holds (an open file, a body in memory). When a write (or a flush)
// waits for timeout, h2Writer moves the stream's write deadline to the
// past, which resets the stream: the write fails and the Request reports
// ErrGone. A long write goes in pieces of h2Piece bytes, each with the
// whole timeout, so a client that takes a piece per timeout is kept.
//
// Its lock is its own, not the Request's, which a Write holds while it
// waits on the client: a deadline set from another goroutine to cut that
// write (as the CGI resource does, and as the timer does) must not wait
// for it.
type h2Writer struct {
	w       http.ResponseWriter
	timeout time.Duration // the write idle timeout; 0 for none

	pending bool // bytes went to w since the last flush; under the Request's lock, as the writes

	mu      sync.Mutex
	ended   bool        // the Request ended: w is not used any more
	writing bool        // a write or flush is waiting: the timer may cut it
	timer   *time.Timer // set by the first write, when there is a timeout
}

// h2Piece is the most a write hands the server at once with a timeout. Each
// piece costs a round trip to the connection's goroutine, which waits until
// the piece is written: net/http takes a body written at once in one, and
// pieces of 32 KiB made a 4 MiB body a third slower to send over loopback;
// with 256 KiB it costs no more than the noise. A file is copied in writes
// of 32 KiB (http.ServeContent, through ResponseWriter's ReadFrom), which go
// whole.
const h2Piece = 256 << 10

// end marks the Request ended: from now on the server's writer is left
// alone. A response that finished is flushed first, under the timeout.
//
// net/http keeps the last bytes written (up to 4 KiB, all of a small
// response) until the handler returns, and writes them then, outside any
// write of ours: a client that never opens its stream's window would hold
// them, and the handler's goroutine, for as long as it keeps the
// connection live. Flushed here, they go out, or the stream is reset,
// under the timeout as any write; net/http is left with only the empty
// DATA frame that ends the stream, which flow control does not hold.
//
// A deadline on the stream (SetWriteDeadline) just before the handler
// returns would cover them too, and cost less, but net/http arms it in a
// message to the connection's goroutine that may run after the stream has
// closed: its timer then lives on for the timeout and resets a stream
// already closed. Under load (8 connections of 1000 requests, 2 CPUs) 1
// to 2 % of the responses got such a late RST_STREAM.
//
// The price: an extra DATA frame, empty, and a round trip to the
// connection's goroutine per response; and a response whose length was
// not declared, small enough to be in net/http's buffer whole, would get
// its Content-Length from net/http once the handler returned: flushed,
// it goes without one, as a streamed response does. A HEAD response has
// no DATA to hold: the Request does not flush it (see endWriter). A
// flush that is cut leaves the response finished: as over HTTP/1, where
// the last bytes may wait in the socket's buffer, finished means handed
// to the server whole.
func (h *h2Writer) end(finished bool) {
	if finished && h.pending && h.timeout > 0 {
		_ = h.FlushError() // a cut resets the stream: nothing is left to hold
	}
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

// Write writes p, in pieces when there is a timeout. The Request calls it
// with its own lock held, so the Request cannot end meanwhile.
func (h *h2Writer) Write(p []byte) (int, error) {
	n := 0
	for {
		piece := p[n:]
		if h.timeout > 0 && len(piece) > h2Piece {
			piece = piece[:h2Piece]
		}
		if err := h.arm(); err != nil {
			return n, err
		}
		m, err := h.w.Write(piece)
		h.disarm()
		h.pending = h.pending || m > 0
		n += m
		if err != nil || n == len(p) {
			return n, err
		}
	}
}

// FlushError sends what the server buffers; as Write, it is called with
// the Request's lock held.
func (h *h2Writer) FlushError() error {
	if err := h.arm(); err != nil {
		return err
	}
	defer h.disarm()
	h.pending = false
	return http.NewResponseController(h.w).Flush()
}

// arm starts the clock for one write, or reports ErrFinished after the end.
func (h *h2Writer) arm() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return ErrFinished
	}
	if h.timeout > 0 {
		h.writing = true
		if h.timer == nil {
			h.timer = time.AfterFunc(h.timeout, h.cut)
		} else {
			h.timer.Reset(h.timeout)
		}
	}
	return nil
}

// disarm stops the clock after a write.
func (h *h2Writer) disarm() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.writing = false
	if h.timer != nil {
		h.timer.Stop()
	}
}

// cut runs when a write waited for the timeout: a deadline in the past
// resets the stream, which ends the write. A write is waiting, and holds
// the Request's lock, so the handler has not returned.
func (h *h2Writer) cut() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.writing && !h.ended {
		_ = http.NewResponseController(h.w).SetWriteDeadline(time.Unix(1, 0))
	}
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
