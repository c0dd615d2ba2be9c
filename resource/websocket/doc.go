// Package websocket serves WebSocket connections (RFC 6455) from a
// resource in the tree, as Twisted's twisted.web.websocket does.
//
// A [Resource] answers the handshake; for each connection its [Factory]
// makes a [Protocol], which is told of the connection's events, and hands it
// a [Transport] to send with:
//
//	type Echo struct {
//		websocket.BaseProtocol // the events Echo does not handle
//		t *websocket.Transport
//	}
//
//	func (e *Echo) NegotiationStarted(t *websocket.Transport) { e.t = t }
//	func (e *Echo) TextMessageReceived(msg string) { e.t.SendTextMessage(msg) }
//
//	root.PutChild("echo", websocket.New(func(r *request.Request) (websocket.Protocol, error) {
//		return &Echo{}, nil
//	}))
//
// The factory sees the handshake's [request.Request]: its prepath, its
// arguments, and the visitor's session through GetSession (a session made
// there gets its cookie on the handshake's response). A factory that
// returns an error refuses the connection with the framework's page for
// that error, as a render method's error would.
//
// A client may offer subprotocols (Sec-WebSocket-Protocol, the second
// argument of a browser's WebSocket constructor): the handshake chooses the
// first of [Resource.Subprotocols] that it offers, and the Protocol reads the
// choice from [Transport.Subprotocol]. A browser drops a connection it
// offered subprotocols for if the answer names none.
//
// # Events
//
// A connection's Protocol methods are called one at a time, from one
// goroutine that the connection owns: NegotiationStarted and
// NegotiationFinished once the handshake is accepted, then the messages and
// pongs in the order they arrive, then ConnectionLost, exactly once. The
// Protocol's own state therefore needs no lock unless other goroutines (a
// timer, a broadcast) touch it too. While a method runs, nothing more is
// read from the connection, pings included: a method that blocks for long
// gets the connection closed by the keepalive. A panic in a method is
// logged, the connection is closed with StatusInternalError and
// ConnectionLost is called once that close has ended, as after
// LoseConnection: when the peer has answered it, or five seconds later.
// Once a close began, pongs are dropped, as messages are.
//
// That goroutine is the only one an open connection has: once the
// handshake is answered, the Site's handler returns and net/http lets go of
// its buffers for the connection, while the Site can still close it (see
// request.Request.Hijacked). No goroutine writes while nothing is queued.
//
// # Sending
//
// The Transport's methods are safe for concurrent use and never block:
// SendTextMessage and SendBytesMessage put the message in the connection's
// send queue, whose messages are written in order. While a Protocol method
// runs, they wait for it to return, and the connection's goroutine writes
// them before it reads on (in Twisted too, what a callback writes leaves
// once the reactor has control back); otherwise a goroutine of the
// connection writes while there is something to write. The queue is bounded
// ([Resource.SendQueueBytes]): a message that does not fit means the client
// reads too slowly, so the message is refused with [ErrTooSlow] and the
// connection is closed with StatusPolicyViolation. A broadcast loop over
// many Transports therefore never waits for a slow client; that client is
// dropped instead. A write that stays blocked for about
// [Resource.WriteTimeout] (the client stopped reading) also closes the
// connection. After a connection starts closing, sends return [ErrClosed].
// No Transport method calls back into the Protocol, so they may be called
// while holding a lock that the Protocol's methods take.
//
// # Safe defaults
//
//   - The handshake's Origin header, which browsers always send, must name
//     the host the request was sent to, unless [Resource.OriginPatterns]
//     allows it; otherwise the answer is 403 (this stops cross-site
//     WebSocket hijacking, in which another site's page opens a connection
//     with the visitor's cookies). A handshake without Origin does not come
//     from a browser and is accepted.
//   - A message larger than [Resource.MaxMessageSize] (32 KiB by default)
//     closes the connection with StatusMessageTooBig (1009) before more
//     than that is read.
//   - At most [Resource.MaxConnections] connections are open at once
//     (10,000 by default); beyond it the handshake gets 503.
//   - Every [Resource.PingInterval] (30 seconds by default) the connection
//     is pinged; a peer that does not answer within the next interval is
//     disconnected.
//   - When the Site closes (Site.Close, or Site.Shutdown at its end), every
//     connection is closed with StatusGoingAway (1001), and ends within
//     five seconds whether or not the client answers. A connection
//     already closing keeps its close; if LoseConnection's close still
//     waits behind messages the client has not read, they are dropped
//     and the close is sent at once.
//
// A GET without the upgrade headers gets the framework's 400 page, a bad
// Sec-WebSocket-Version 426 naming the protocol and the version it speaks
// (Upgrade: websocket, Sec-WebSocket-Version: 13), and any other
// method 405 with an Allow header, as any resource that renders only GET.
//
// WebSockets are served over HTTP/1.1 only, where the handshake upgrades the
// connection. Over HTTP/2 (a Site served with TLS) browsers still open a
// separate HTTP/1.1 connection for a WebSocket, unless the server offers
// RFC 8441's extended CONNECT, which net/http does only when run with
// GODEBUG=http2xconnect=1: do not set it. Browsers then send the handshake
// as a CONNECT on an HTTP/2 stream, which gets 405, and do not fall back:
// no WebSocket connects. A plain GET over HTTP/2 gets the 400 page, and
// net/http refuses an HTTP/2 request with Connection or Upgrade headers
// itself (400) before the Site sees it.
//
// The protocol itself is github.com/coder/websocket's; [StatusCode] and
// [CloseError] are its types, so code using it can read this package's
// values.
package websocket
