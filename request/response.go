package request

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// The response model.
//
// A Request sends its status and headers with the first byte of the body
// (or at Finish), and its body through the server's http.ResponseWriter,
// which buffers it. Whether a Write also flushes depends on when it is made:
//
//   - while the render method runs, writes are coalesced: they go out when
//     the render method returns (or when the server's buffer fills), as one
//     stream of bytes, with a Content-Length when the whole body is known;
//   - once the render method has returned resource.NotDoneYet (see Stream),
//     each Write reaches the client at once, as Twisted's request.write does
//     on the next turn of its reactor;
//   - Flush sends what was written so far at any time.
//
// Every path to the client (Write, FinishWith, the writer ResponseWriter
// hands out) goes through writeHeaderLocked and writeBodyLocked below, so
// the rules about headers, HEAD, body filters and bodyless statuses are
// written once.

// bodyWriter writes the body to the server's ResponseWriter, counting the
// bytes sent.
type bodyWriter struct{ r *Request }

func (b bodyWriter) Write(p []byte) (int, error) {
	n, err := b.r.w.Write(p)
	b.r.sent += int64(n)
	return n, err
}

// filterDst is the writer a body filter writes to: bodyWriter, whose
// failures it marks as the connection's (transportError), so that a
// failure of the filter's writer can be told from one of the connection
// under it.
type filterDst struct{ r *Request }

func (d filterDst) Write(p []byte) (int, error) {
	n, err := bodyWriter(d).Write(p)
	if err != nil {
		err = &transportError{err}
	}
	return n, err
}

// transportError is a failure of the connection under a body filter.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// writeHeaderLocked sends the status and headers, with those of the
// request's sessions, and installs the body filter. bodyLen is the length of
// a body known in full, which becomes the Content-Length (unless the status
// allows no body, or a HEAD response with no body set one of its own), or
// -1. raw means the headers come from code that speaks net/http's own rules
// (ResponseWriter): no default Content-Type is added, so that net/http
// sniffs one, as it would for that code. first is the first Write's bytes,
// if the headers go out for it. r.mu must be held, and the
// sessions whose cookies go out stored: the caller took r.mu, then called
// saveSessionsLocked or sendSessionsLocked, which may release it meanwhile.
func (r *Request) writeHeaderLocked(bodyLen int, raw bool, first []byte) {
	_, _ = r.writeHeadersLocked(nil, bodyLen, raw, first) // no body: no filter's failure
}

// writeHeadersLocked is writeHeaderLocked for a body known in full, full
// (nil for none), whose length is bodyLen. Through a body filter such a
// body is filtered here, before the headers go out, so that they declare
// the filtered length as they declare an unfiltered one (net/http would
// compute it only for a small body not flushed before the handler
// returns); it returns the body to write: full, or what the filter made
// of it, which is written without the filter. If the filter's writer
// fails, what it made is not the whole body: nothing is sent, the
// response is abandoned with the error, which is returned, and the Site
// cuts the connection, so that the client does not take part of a body,
// declared with its length, for the whole.
//
// net/http sniffs no Content-Type for a body with a Content-Encoding: when
// the filter encodes a raw response that has none, it is sniffed here from
// first, the bytes that made the headers go out, so that a mounted handler
// has the type it would have had without the filter.
func (r *Request) writeHeadersLocked(full []byte, bodyLen int, raw bool, first []byte) ([]byte, error) {
	r.wroteHeader = true
	h := r.w.Header()
	// What the resource set decides some of what is added below. An empty
	// map, the common case, needs no lookups (BenchmarkSiteStaticTree).
	own := len(h) > 0
	// A Content-Type key with a nil value means "send none", as in net/http.
	ctSet := false
	if own {
		_, ctSet = h["Content-Type"]
	}
	if r.usedSessionLocked() {
		r.sessionHeadersLocked(h, own)
	}
	allowed := bodyAllowed(int(r.code))
	if !raw && !ctSet && allowed && (bodyLen > 0 || bodyLen < 0 && !zeroLength(h)) {
		r.hdr[0] = "text/html"
		h["Content-Type"] = r.hdr[0:1:1]
	}
	// A status without a body gets no Content-Length, as net/http's HTTP/1
	// server makes sure of; its HTTP/2 server would send it, and a 204
	// with one is malformed (RFC 9110 section 8.6).
	if bodyLen >= 0 && allowed && (bodyLen > 0 || r.r.Method != http.MethodHead || h["Content-Length"] == nil) {
		r.hdr[1] = strconv.Itoa(bodyLen)
		h["Content-Length"] = r.hdr[1:2:2]
	}
	if r.more != nil && r.filter != nil {
		if full != nil && allowed && r.r.Method != http.MethodHead {
			var buf bytes.Buffer
			if enc := r.filter(h, int(r.code), &buf); enc != nil {
				_, err := enc.Write(full)
				if cerr := enc.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					err = r.filterFailedLocked(err)
					r.abandonLocked(err)
					return nil, err
				}
				full = buf.Bytes()
				r.hdr[1] = strconv.Itoa(len(full))
				h["Content-Length"] = r.hdr[1:2:2]
			}
			r.w.WriteHeader(int(r.code))
			return full, nil
		}
		var dst io.Writer = filterDst{r}
		if r.r.Method == http.MethodHead {
			dst = io.Discard
		}
		if r.enc = r.filter(h, int(r.code), dst); r.enc != nil {
			h.Del("Content-Length")
			if _, ok := h["Content-Type"]; raw && !ok && allowed && len(first) > 0 {
				h.Set("Content-Type", http.DetectContentType(first))
			}
		}
	}
	r.w.WriteHeader(int(r.code))
	return full, nil
}

// bodyAllowed reports whether a response with this status may have a body
// (RFC 9110 §6.4.1).
func bodyAllowed(code int) bool {
	return (code < 100 || code > 199) && code != http.StatusNoContent && code != http.StatusNotModified
}

// zeroLength reports whether h says Content-Length: 0. It reads the map
// directly: the header is written with its canonical name.
func zeroLength(h http.Header) bool {
	cl := h["Content-Length"]
	return len(cl) == 1 && cl[0] == "0"
}

// endableLocked reports why the response may no longer be written, or nil.
// r.mu must be held.
func (r *Request) endableLocked() error {
	if err := r.goneLocked(); err != nil {
		return err
	}
	if r.finished {
		return ErrFinished
	}
	if r.hijacked {
		return http.ErrHijacked
	}
	return nil
}

// Write adds p to the response body. The first Write sends the status and
// headers (with Content-Type text/html unless the Content-Type header is
// set; set it to nil to send none). Writes made while the render method
// runs are coalesced and go out when it returns; after it has returned
// resource.NotDoneYet each Write reaches the client at once (see Stream).
// After Finish, Write returns ErrFinished; after the client went away or the
// server closed, ErrGone or ErrClosed; in those cases it writes nothing.
func (r *Request) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.sendSessionsLocked()
	defer r.mu.Unlock()
	return r.writeLocked(p, false)
}

// writeLocked is Write; raw says it comes through ResponseWriter. r.mu must
// be held.
func (r *Request) writeLocked(p []byte, raw bool) (int, error) {
	if err := r.endableLocked(); err != nil {
		return 0, err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1, raw, p)
	}
	n, err := r.writeBodyLocked(p, raw)
	if err == nil && r.streaming {
		err = r.flushLocked()
	}
	return n, err
}

// writeBodyLocked writes p to the body, through the body filter if there is
// one. A HEAD response has no body: a Request drops it, and a raw writer
// hands it to net/http, which measures it for the Content-Length it sends.
// r.mu must be held.
func (r *Request) writeBodyLocked(p []byte, raw bool) (int, error) {
	if len(p) == 0 || r.r.Method == http.MethodHead && !raw {
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
		return n, r.writeFailedLocked(err)
	}
	return n, err
}

// writeFailedLocked abandons the response after a write or flush of its
// body failed with err, and returns why (see failureLocked). r.mu must be
// held.
func (r *Request) writeFailedLocked(err error) error {
	err = r.failureLocked(err)
	r.abandonLocked(err)
	return err
}

// failureLocked returns what the response is to be abandoned with after a
// write, flush or close of its body failed with err. Either the connection
// failed under it: the client went away (the server notices it later,
// through the request's context), and this and every later write report
// ErrGone as documented, not the transport's error. Or the body filter's
// writer failed (see filterFailedLocked): the client has part of the body,
// and the Site is to cut the connection. r.mu must be held.
func (r *Request) failureLocked(err error) error {
	if r.more == nil || r.enc == nil || errors.As(err, new(*transportError)) {
		return ErrGone
	}
	return r.filterFailedLocked(err)
}

// filterFailedLocked logs err, a failure of the body filter's writer
// itself, not of the connection under it, and returns the error the
// response is to be abandoned with: not ErrGone, so that the Site cuts the
// connection (over HTTP/2 resets the stream) rather than end a body that
// lacks what the filter failed to make. r.mu must be held.
func (r *Request) filterFailedLocked(err error) error {
	r.Logger().Error("request: the body filter failed", "uri", r.URI(), "err", err)
	return fmt.Errorf("request: the body filter failed: %w", err)
}

// flushLocked sends what the body filter and the server hold. A failure
// abandons the response, as in writeBodyLocked. A server's writer that
// cannot flush is not a failure. r.mu must be held.
func (r *Request) flushLocked() error {
	var err error
	if r.more != nil && r.enc != nil {
		if f, ok := r.enc.(interface{ Flush() error }); ok {
			err = f.Flush()
		}
	}
	if err == nil {
		if err = http.NewResponseController(r.w).Flush(); err == nil || errors.Is(err, http.ErrNotSupported) {
			return nil
		}
		err = &transportError{err} // the server's, not the filter's
	}
	return r.writeFailedLocked(err)
}

// Flush sends the status and headers if they were not sent, and every byte
// written so far, to the client.
func (r *Request) Flush() error { return r.flush(false) }

// flush is Flush; raw says it comes through ResponseWriter.
func (r *Request) flush(raw bool) error {
	r.mu.Lock()
	r.sendSessionsLocked()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return err
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1, raw, nil)
	}
	return r.flushLocked()
}

// Stream makes the response stream: what was written so far is sent, and
// each later Write reaches the client at once, without waiting for more.
// The server calls it when a render method returns resource.NotDoneYet, so
// an asynchronous response streams as in Twisted; a render method that
// streams before it returns (server-sent events, say) may call it first.
// If nothing was written yet, the status and headers are not sent: they
// may still change until the first Write.
func (r *Request) Stream() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streaming = true
	if r.wroteHeader && r.endableLocked() == nil {
		_ = r.flushLocked()
	}
}

// HeadersSent reports whether the status and headers have been sent (or
// handed to the server to send with the first bytes of the body), after
// which they can no longer change. It is true after the connection was
// hijacked.
func (r *Request) HeadersSent() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wroteHeader
}
