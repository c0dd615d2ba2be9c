package request

import (
	"errors"
	"net/http"
)

// This file holds the end of a response: Finish and FinishWith end it,
// Abort abandons it (as the server does when the client goes away or the
// Site closes), and NotifyFinish's channels are told which.

// Finish ends the response: it sends the headers if nothing was written yet,
// and tells NotifyFinish's channels that the response finished. It returns
// ErrFinished if called twice, and ErrGone or ErrClosed if the response was
// abandoned, in which case it does nothing else. If the body filter's
// writer fails to close, the response is abandoned instead, and Finish
// returns why (see BodyFilter). After the connection was
// hijacked through ResponseWriter, Finish tells the server that its new
// owner is done with it.
func (r *Request) Finish() error {
	r.mu.Lock()
	r.sendSessionsLocked()
	defer r.mu.Unlock()
	if err := r.endableLocked(); err != nil {
		return r.endHijackedLocked(err)
	}
	if !r.wroteHeader {
		r.writeHeaderLocked(-1, false, nil)
	}
	r.endLocked(nil)
	return r.goneLocked() // nil, or the body filter's failure to close
}

// endHijackedLocked ends a hijacked response when endableLocked's err says
// the connection was hijacked, and otherwise returns err. r.mu must be held.
func (r *Request) endHijackedLocked(err error) error {
	if err != http.ErrHijacked {
		return err
	}
	r.endLocked(nil)
	return nil
}

// FinishWith writes body as the rest of the response and finishes it. If
// nothing was written before, the response gets Content-Length: len(body)
// (a HEAD response with an empty body keeps a Content-Length it set); a HEAD
// response keeps that Content-Length and sends no body. It is how a
// synchronous render's result is sent, and an asynchronous resource may use
// it for its last write. If a body filter fails on the body (see
// BodyFilter), FinishWith abandons the response and returns the error. If
// the headers were to carry the cookie of a new
// session that cannot be stored (see GetSession), FinishWith sends nothing
// and returns the error, wrapping session.ErrUnavailable, so that the
// caller can send an error page instead, which goes without that cookie.
// If no page can be sent instead, because during the store the response
// ended, was hijacked, or had its headers sent by another goroutine,
// FinishWith logs the failure, as Write does, and goes on as it would
// have without it.
func (r *Request) FinishWith(body []byte) error {
	r.mu.Lock()
	saveErr := r.saveSessionsLocked()
	defer r.mu.Unlock()
	err := r.endableLocked()
	if saveErr != nil {
		if err == nil && !r.wroteHeader {
			return saveErr // nothing sent: the caller may send an error page
		}
		// The response ended, was hijacked, or had its headers sent by
		// another goroutine during the store: no page can replace it,
		// so the failure is logged, as the other methods do.
		r.logUnsaved(saveErr)
	}
	if err != nil {
		return r.endHijackedLocked(err)
	}
	if !r.wroteHeader {
		if body == nil {
			body = []byte{} // known in full, and empty
		}
		if body, err = r.writeHeadersLocked(body, len(body), false, nil); err != nil { // the body is the whole response
			return err // the filter failed: the response is abandoned
		}
	}
	_, err = r.writeBodyLocked(body, false)
	switch {
	case r.more == nil: // no filter, not abandoned: the common case, kept short
		r.endLocked(nil)
	case r.gone == nil: // else the failed write already ended the response
		r.endLocked(nil)
		if err == nil {
			err = r.gone // the body filter's failure to close (see endLocked)
		}
	}
	return err
}

// Abort abandons the response: later writes return err (ErrGone if err is
// nil) and NotifyFinish's channels receive it. It does nothing if the
// response already ended. The server calls it when the client goes away or
// the Site closes; a resource may call it to give up on a response, and
// the Site then cuts the connection (with an err other than ErrGone and
// ErrClosed), so that the client does not take what it received, or an
// empty response, for a whole one.
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

// endLocked records the end of the response and tells whoever waits. A
// response that finishes through a body filter closes the filter's writer
// first: if that fails, the body is incomplete, and the response is
// abandoned instead (see failureLocked). r.mu must be held.
func (r *Request) endLocked(err error) {
	if r.more == nil {
		r.finished = r.finished || err == nil
		r.endWriter(err == nil)
		return // nobody waits
	}
	if r.enc != nil && err == nil {
		// On a status without a body the server refuses what the
		// filter writes when closed, as it refuses Write: no failure.
		if cerr := r.enc.Close(); cerr != nil && !errors.Is(cerr, http.ErrBodyNotAllowed) {
			err = r.failureLocked(cerr)
			r.gone = err
		}
	}
	r.finished = r.finished || err == nil
	r.endBody()
	r.wakeSaveWaitersLocked()
	if r.hj != nil {
		if r.hj.stop != nil {
			r.hj.stop()
		}
		r.hj.cancel(err) // (context.Canceled when err is nil)
	}
	// After the body filter's last bytes, before anyone is told: the
	// server's handler may return as soon as it is.
	r.endWriter(err == nil)
	for _, c := range r.notify {
		c <- err
	}
	r.notify = nil
}

// endWriter makes an HTTP/2 server's writer unused from now on, after
// flushing it if the response finished with a body (see h2Writer.end).
// r.mu must be held.
func (r *Request) endWriter(finished bool) {
	if h, ok := r.w.(*h2Writer); ok {
		h.end(finished && r.r.Method != http.MethodHead)
	}
}

// NotifyFinish returns a new channel that receives exactly one value: nil
// when the response finishes, or an error (ErrGone, ErrClosed, or what was
// given to Abort) when it is abandoned. Asked after the end, the channel has
// its value at once. The channel is buffered: nobody needs to receive from
// it.
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
