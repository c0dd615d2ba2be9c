package websocket

import (
	"context"
	"errors"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/gotwisted/web/request"
)

// Errors of the Transport, and the reasons ConnectionLost may be given.
var (
	// ErrClosed is returned by the Transport's methods once the
	// connection is closing or closed.
	ErrClosed = errors.New("websocket: connection closed")
	// ErrTooSlow is returned by a send that did not fit in the send queue
	// (Resource.SendQueueBytes): the client reads more slowly than it is
	// sent to. The connection is closed with StatusPolicyViolation, and
	// ConnectionLost is given ErrTooSlow.
	ErrTooSlow = errors.New("websocket: client too slow: send queue full")
	// ErrNoPong is given to ConnectionLost when a ping got no pong within
	// Resource.PingInterval.
	ErrNoPong = errors.New("websocket: no pong within the ping interval")
)

// queueEntryCost is what a queued message counts beyond its length: the
// size of its entry in the queue.
const queueEntryCost = 32

// Transport sends on one WebSocket connection (Twisted's
// WebSocketTransport). The Protocol gets it in NegotiationStarted. Its
// methods are safe for concurrent use, never block, and never call the
// Protocol back.
type Transport struct {
	// Set before the connection's goroutine starts, then read only.
	res   *Resource
	r     *request.Request
	proto Protocol
	conn  *websocket.Conn
	nc    net.Conn    // what Accept hijacked: write deadlines, and cutting a close that hangs
	stop  func() bool // stops the close on the Site's closing (context.AfterFunc)
	born  time.Time   // the monotonic clock's origin for deadline

	deadline atomic.Int64 // the write deadline set on nc, as time since born

	pinging atomic.Bool // a ping waits for its pong

	mu      sync.Mutex  // guards the fields below
	alive   *time.Timer // the keepalive; nil without one
	queue   []outgoing  // queue[head:] waits to be written, oldest first
	head    int         // the next message of queue to write
	queued  int         // the cost of the messages not yet written, against Resource.SendQueueBytes
	writing bool        // a goroutine is writing the queue out
	inCall  bool        // the connection's goroutine runs a Protocol method, and writes the queue after it
	closing bool        // the close began: sends fail
	cause   error       // why this side closed, for ConnectionLost
	shut    CloseError  // the close this side began with; zero after an abort
	then    *CloseError // the close to send once the queue is written
}

// outgoing is a message in the send queue. Its data is a string: a text
// message is queued as it was given, without a copy.
type outgoing struct {
	typ  websocket.MessageType
	data string
}

// emptyQueueLocked forgets what the send queue holds, keeping a small
// array for the next messages. t.mu must be held.
func (t *Transport) emptyQueueLocked() {
	clear(t.queue) // the messages may be large: let them go
	if cap(t.queue) > 16 {
		t.queue = nil
	} else {
		t.queue = t.queue[:0]
	}
	t.head, t.queued = 0, 0
}

// SendTextMessage queues text to be sent as a text message, after the
// messages sent before it. It returns ErrTooSlow (and closes the
// connection) if the send queue is full, and ErrClosed once the connection
// is closing. text should be valid UTF-8; browsers drop a connection that
// sends anything else.
func (t *Transport) SendTextMessage(text string) error {
	return t.send(websocket.MessageText, text)
}

// SendBytesMessage queues a copy of data to be sent as a binary message,
// as SendTextMessage does.
func (t *Transport) SendBytesMessage(data []byte) error {
	return t.send(websocket.MessageBinary, string(data))
}

// send queues a message and starts the writer if none runs.
func (t *Transport) send(typ websocket.MessageType, data string) error {
	cost := len(data) + queueEntryCost
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return ErrClosed
	}
	if t.queued > 0 && t.queued+cost > t.res.sendQueueBytes() {
		t.mu.Unlock()
		t.close(CloseError{Code: StatusPolicyViolation, Reason: "too slow"}, ErrTooSlow, false)
		return ErrTooSlow
	}
	t.queue = append(t.queue, outgoing{typ, data})
	t.queued += cost
	start := !t.writing && !t.inCall
	if start {
		t.writing = true
	}
	t.mu.Unlock()
	if start {
		go t.write()
	}
	return nil
}

// enter and leave bracket a call of a Protocol method on the connection's
// goroutine. What is sent meanwhile is queued, and leave writes it out
// before the goroutine reads on: an answer goes out without a hand-off to
// another goroutine, as in Twisted, where what a callback writes leaves
// when the reactor gets control back. enter reports false, and the method
// is not to be called, once the close began.
func (t *Transport) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inCall = !t.closing
	return t.inCall
}

func (t *Transport) leave() {
	t.mu.Lock()
	t.inCall = false
	drain := !t.writing && (t.head < len(t.queue) || t.then != nil)
	if drain {
		t.writing = true
	}
	t.mu.Unlock()
	if drain {
		t.write()
	}
}

// write writes the queue out until it is empty, then sends the close
// LoseConnection left for it, if any. t.writing is set. It runs on a
// goroutine of its own while there is something to write, so an idle
// connection has no writing goroutine, or on the connection's goroutine
// after a Protocol method (see leave).
func (t *Transport) write() {
	written := 0 // the cost of the message just written
	for {
		t.mu.Lock()
		t.queued -= written
		if t.head == len(t.queue) {
			t.emptyQueueLocked()
			then := t.then
			t.then = nil
			t.writing = false
			t.mu.Unlock()
			if then != nil {
				t.closeConn(*then)
			}
			return
		}
		m := t.queue[t.head]
		t.queue[t.head] = outgoing{}
		t.head++
		t.mu.Unlock()

		t.keepDeadline()
		// The library writes from a []byte, which it does not keep: the
		// message is copied into a pooled buffer, not a new one.
		buf := t.res.bufs.get()
		*buf = append((*buf)[:0], m.data...)
		err := t.conn.Write(context.Background(), m.typ, *buf)
		t.res.bufs.put(buf)
		if err != nil {
			t.mu.Lock()
			t.writing = false
			t.mu.Unlock()
			t.abort(err)
			return
		}
		written = len(m.data) + queueEntryCost
	}
}

// Subprotocol returns the subprotocol the handshake chose from
// Resource.Subprotocols, or "" if it chose none.
func (t *Transport) Subprotocol() string { return t.conn.Subprotocol() }

// Ping sends a ping; the peer's pong comes to the Protocol's PongReceived.
// While a ping waits for its pong, Ping sends no other (the pong will
// answer both: RFC 6455 lets a peer answer only the last ping). If no pong
// comes within Resource.PingInterval, the connection is closed as dead
// (ConnectionLost gets ErrNoPong). Ping returns ErrClosed once the
// connection is closing.
func (t *Transport) Ping() error {
	if t.isClosing() {
		return ErrClosed
	}
	if t.pinging.CompareAndSwap(false, true) {
		go t.ping()
	}
	return nil
}

// ping sends a ping and waits for its pong; t.pinging is set.
func (t *Transport) ping() {
	defer t.pinging.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), t.res.pingInterval())
	defer cancel()
	t.keepDeadline()
	if err := t.conn.Ping(ctx); err != nil && ctx.Err() != nil {
		t.abort(ErrNoPong)
	}
}

// keepalive is the keepalive timer's function: it pings, unless a ping is
// already out, and arms the timer again.
func (t *Transport) keepalive() {
	if t.pinging.CompareAndSwap(false, true) {
		t.ping()
	}
	t.mu.Lock()
	if !t.closing {
		t.alive.Reset(t.res.pingInterval())
	}
	t.mu.Unlock()
}

// LoseConnection closes the connection with code and reason (Twisted's
// loseConnection, whose default code is StatusNormalClosure): the messages
// already sent go out first, then the close; later sends return ErrClosed,
// and messages and pongs that arrive meanwhile are dropped. ConnectionLost follows
// when the peer has answered the close, or after five seconds without an
// answer. code must be one that RFC 6455 lets an endpoint send (1000 to
// 1003, 1007 to 1014, 3000 to 4999); another is sent as
// StatusInternalError. reason must be at most 123 bytes; a longer one is
// cut. LoseConnection does nothing if the connection is already closing.
func (t *Transport) LoseConnection(code StatusCode, reason string) {
	if len(reason) > 123 {
		reason = strings.ToValidUTF8(reason[:123], "")
	}
	ce := CloseError{Code: code, Reason: reason}
	t.close(ce, ce, true)
}

// isClosing reports whether the close began.
func (t *Transport) isClosing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closing
}

// close begins the close handshake with ce, unless it began already, and
// records cause for ConnectionLost. With drain, the messages queued are
// written first; otherwise they are dropped. It never blocks: the
// handshake runs after the queue is written, or on a goroutine of its own.
func (t *Transport) close(ce CloseError, cause error, drain bool) {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return
	}
	t.closing = true
	t.cause = cause
	t.shut = ce
	if drain && (t.writing || t.head < len(t.queue)) { // (a queue no one writes is leave's)
		t.then = &ce
		t.mu.Unlock()
		return
	}
	t.emptyQueueLocked()
	t.mu.Unlock()
	go t.closeConn(ce)
}

// closeConn runs the close handshake, cutting the connection if the peer
// has not answered within closeTimeout. If a close is already under way,
// it waits for that one to end (the library's Close does).
func (t *Transport) closeConn(ce CloseError) {
	cut := time.AfterFunc(closeTimeout, func() { t.nc.Close() })
	defer cut.Stop()
	defer func() {
		// The close calls no Protocol method (see pongReceived); should
		// the library panic, the connection is cut, not the process.
		if v := recover(); v != nil {
			t.r.Logger().Error("websocket: panic closing the connection", "uri", t.r.URI(), "err", v, "stack", string(debug.Stack()))
			t.nc.Close()
		}
	}()
	t.keepDeadline()
	t.conn.Close(ce.Code, ce.Reason)
}

// keepDeadline keeps the connection's write deadline between half of
// Resource.WriteTimeout and all of it ahead of now. Every write is preceded
// by a call: ours (messages, pings, closes) directly, the library's (pongs,
// close frames it answers or sends on a bad frame) through readConn, which
// calls it when bytes arrive. So a write that blocks for WriteTimeout fails,
// and the connection with it, while the deadline is moved only once in
// half a WriteTimeout, not for every message: setting a deadline costs
// about a microsecond, a round trip's twentieth (BenchmarkEchoResource).
func (t *Transport) keepDeadline() {
	timeout := int64(t.res.writeTimeout())
	now := int64(time.Since(t.born))
	if t.deadline.Load()-now >= timeout/2 {
		return
	}
	t.deadline.Store(now + timeout)
	t.nc.SetWriteDeadline(t.born.Add(time.Duration(now + timeout)))
}

// abort cuts the connection without a handshake: the peer is not reading,
// or not answering.
func (t *Transport) abort(cause error) {
	t.mu.Lock()
	if !t.closing {
		t.closing = true
		t.cause = cause
	}
	t.emptyQueueLocked()
	t.then = nil
	t.mu.Unlock()
	t.nc.Close() // first: it unblocks a write or close in progress
	t.conn.CloseNow()
}
