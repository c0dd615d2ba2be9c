package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// This file holds the connection's goroutine, the receiving side of a
// Transport: it tells the Protocol that the connection is open, reads the
// messages (and pongs) that arrive and hands each to the Protocol, one
// method at a time, and once reading ends, or the Site closes, ends the
// connection, calls ConnectionLost and finishes the request.

// start starts the connection's goroutine, the keepalive, and the watch on
// the Site: the Site's closing aborts the hijacked Request
// (request.ErrClosed), which cancels its context (the connection's, since
// the hijack: see request.Request.Context); context.AfterFunc turns that
// into a call of siteClosed without a goroutine waiting meanwhile.
// The Site's handler does not wait for the connection: once RenderGET has
// returned, net/http lets go of its goroutine and buffers, and this
// goroutine is the connection's only one.
func (t *Transport) start() {
	t.stop = context.AfterFunc(t.r.Context(), t.siteClosed)
	if t.res.PingInterval >= 0 {
		t.mu.Lock() // keepalive reads t.alive under t.mu
		t.alive = time.AfterFunc(t.res.pingInterval(), t.keepalive)
		t.mu.Unlock()
	}
	go t.serve()
}

// siteClosed closes the connection as the Site closes, with
// StatusGoingAway. A connection already closing is left to its close,
// which ends within closeTimeout, unless that close waits behind the queue
// (LoseConnection's), which a client that reads nothing would hold up until
// WriteTimeout: the queue is dropped and the close sent at once, so that
// the connection ends within closeTimeout of the Site's closing.
func (t *Transport) siteClosed() {
	t.mu.Lock()
	if !t.closing {
		t.mu.Unlock()
		ce := CloseError{Code: StatusGoingAway, Reason: "server closing"}
		t.close(ce, ce, false)
		return
	}
	then := t.then
	t.then = nil
	if then != nil {
		t.emptyQueueLocked()
	}
	t.mu.Unlock()
	if then != nil {
		t.closeConn(*then) // the write in progress blocks it for closeTimeout at most
	}
}

// serve runs the Protocol and reads the connection until it closes, then
// ends the connection, tells the Protocol and ends the request.
func (t *Transport) serve() {
	err := t.run()
	t.mu.Lock()
	first := !t.closing // nothing on this side began the close
	t.closing = true
	t.emptyQueueLocked()
	t.then = nil
	cause, shut := t.cause, t.shut
	if t.alive != nil {
		t.alive.Stop()
	}
	t.mu.Unlock()
	switch {
	case first:
		cause = err
		var ce CloseError
		switch {
		case errors.As(err, &ce):
			cause = ce // the peer closed; the library has answered
		case errors.Is(err, websocket.ErrMessageTooBig):
			cause = CloseError{Code: StatusMessageTooBig, Reason: "message too big"}
		}
		// Finish the handshake the library began (it sent the close of a
		// message too big or a protocol error), or close what broke.
		t.closeConn(CloseError{Code: StatusProtocolError})
	case shut.Code == 0:
		t.conn.CloseNow() // aborted: wait for the cut to end
	default:
		// This side began the close: wait for its handshake to end (the
		// reading stopped because of a panic, or the peer went away while
		// a LoseConnection drained), or run it if it was still to be sent
		// after the queue, so that the connection is over before its slot
		// is given back and ConnectionLost called. The Site's closing
		// still reaches it meanwhile.
		t.closeConn(shut)
	}
	t.stop()
	t.res.release()
	t.call(func() { t.proto.ConnectionLost(cause) })
	t.r.Finish()
}

// run tells the Protocol that the connection is open and delivers the
// messages that arrive, until reading fails; it returns why. A panic in
// the Protocol closes the connection with StatusInternalError.
func (t *Transport) run() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = t.panicked(v)
		}
	}()
	t.enter() // even if the close began: the Protocol always gets its Transport
	t.proto.NegotiationStarted(t)
	t.proto.NegotiationFinished()
	t.leave()
	for {
		typ, buf, err := t.read()
		if err != nil {
			return err
		}
		p := *buf
		text := typ == websocket.MessageText
		switch {
		case text && !utf8.Valid(p):
			t.res.bufs.put(buf)
			ce := CloseError{Code: StatusInvalidFramePayloadData, Reason: "invalid UTF-8"}
			t.close(ce, ce, false)
		case !t.enter():
			t.res.bufs.put(buf) // the close began: read on until the peer answers it
		case text:
			msg := string(p)
			t.res.bufs.put(buf)
			t.proto.TextMessageReceived(msg)
			t.leave()
		default:
			data := bytes.Clone(p)
			t.res.bufs.put(buf)
			t.proto.BytesMessageReceived(data)
			t.leave()
		}
	}
}

// read reads the next message into a buffer of the Resource's pool, which
// the caller puts back: the Protocol gets a copy of exactly the message's
// length, where reading it whole into a new buffer (the library's Read)
// would allocate one of every size on the way to it.
func (t *Transport) read() (websocket.MessageType, *[]byte, error) {
	typ, r, err := t.conn.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	buf := t.res.bufs.get()
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		*buf = b
		switch {
		case err == io.EOF:
			return typ, buf, nil
		case err != nil:
			t.res.bufs.put(buf)
			return 0, nil, err
		}
	}
}

// pongReceived hands a pong to the Protocol. It runs inside a read: on the
// connection's goroutine, between the Protocol's other methods, or, once
// the close began, inside the library's Close, which reads the peer's
// frames while it waits for the answer to its close, on whichever
// goroutine runs the close. Every read off the connection's goroutine
// comes after t.closing was set, so a pong that arrives after the close
// began is dropped, as a message is: the Protocol's methods stay one at a
// time, and none follows ConnectionLost.
func (t *Transport) pongReceived(_ context.Context, payload []byte) {
	if t.isClosing() {
		return
	}
	t.proto.PongReceived(bytes.Clone(payload))
}

// bufPool holds message buffers, shared by a Resource's connections so
// that an idle connection holds none.
type bufPool struct{ sync.Pool }

// maxPooledBuf is the largest buffer put back in a bufPool: a rare large
// message does not stay in memory.
const maxPooledBuf = 64 << 10

func (p *bufPool) get() *[]byte {
	if b, ok := p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4<<10)
	return &b
}

func (p *bufPool) put(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		p.Put(b)
	}
}

// call runs a method of the Protocol, logging a panic.
func (t *Transport) call(f func()) {
	defer func() {
		if v := recover(); v != nil {
			t.panicked(v)
		}
	}()
	f()
}

// panicked logs a panic of the Protocol and closes the connection with
// StatusInternalError; it returns the error ConnectionLost gets.
func (t *Transport) panicked(v any) error {
	err := fmt.Errorf("websocket: panic in the Protocol: %v", v)
	t.r.Logger().Error("websocket: panic in the Protocol", "uri", t.r.URI(), "err", err, "stack", string(debug.Stack()))
	t.close(CloseError{Code: StatusInternalError, Reason: "internal error"}, err, false)
	return err
}
