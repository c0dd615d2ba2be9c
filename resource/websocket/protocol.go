package websocket

import (
	"github.com/coder/websocket"

	"github.com/gotwisted/web/request"
)

// Protocol receives the events of one WebSocket connection (Twisted's
// WebSocketProtocol). Its methods are called one at a time, from the
// connection's own goroutine, in this order: NegotiationStarted,
// NegotiationFinished, the messages and pongs as they arrive, and
// ConnectionLost exactly once. Embed [BaseProtocol] for the events a
// protocol does not handle.
type Protocol interface {
	// NegotiationStarted hands the protocol the Transport it sends with.
	// The handshake has been accepted; nothing has been received yet.
	NegotiationStarted(t *Transport)
	// NegotiationFinished says that the connection is open both ways.
	NegotiationFinished()
	// TextMessageReceived delivers a text message, valid UTF-8.
	TextMessageReceived(message string)
	// BytesMessageReceived delivers a binary message; data belongs to the
	// protocol.
	BytesMessageReceived(data []byte)
	// PongReceived delivers the payload of a pong, the peer's answer to a
	// ping (Transport.Ping, or the keepalive's). A peer may answer several
	// pings with one pong, and may send pongs unasked, so use it to learn
	// that the peer is alive, not to carry data. data belongs to the
	// protocol.
	PongReceived(data []byte)
	// ConnectionLost says the connection is closed; err says why:
	//   - a CloseError when a close handshake began: the peer's code and
	//     reason, or this side's: LoseConnection's, StatusGoingAway when
	//     the Site closed, StatusMessageTooBig for a message beyond
	//     Resource.MaxMessageSize, StatusInvalidFramePayloadData for a
	//     text message that is not UTF-8;
	//   - ErrTooSlow when the send queue overflowed, ErrNoPong when a ping
	//     went unanswered;
	//   - the error of a panic in the Protocol's methods;
	//   - otherwise the I/O error that broke the connection.
	ConnectionLost(err error)
}

// BaseProtocol implements every Protocol method by doing nothing. Embed it
// in a protocol and define the methods for the events it handles (Twisted's
// protocols must define every method; Go lets them inherit these).
type BaseProtocol struct{}

// NegotiationStarted does nothing.
func (BaseProtocol) NegotiationStarted(*Transport) {}

// NegotiationFinished does nothing.
func (BaseProtocol) NegotiationFinished() {}

// TextMessageReceived does nothing.
func (BaseProtocol) TextMessageReceived(string) {}

// BytesMessageReceived does nothing.
func (BaseProtocol) BytesMessageReceived([]byte) {}

// PongReceived does nothing.
func (BaseProtocol) PongReceived([]byte) {}

// ConnectionLost does nothing.
func (BaseProtocol) ConnectionLost(error) {}

var _ Protocol = BaseProtocol{}

// Factory makes the Protocol of a new connection from its handshake
// request (Twisted's WebSocketServerFactory.buildProtocol). It runs before
// the handshake is answered, on the request's goroutine, so it may read the
// request's prepath, arguments and headers and call GetSession. An error
// refuses the connection: the client gets the framework's page for it (a
// *request.StatusError picks the status, anything else is a 500).
//
// The Request's context as the Factory sees it ends with the handshake.
// From NegotiationStarted on, r.Context() returns the connection's, which
// ends when the connection does (see request.Request.Hijacked).
type Factory func(r *request.Request) (Protocol, error)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4); it is
// github.com/coder/websocket's type.
type StatusCode = websocket.StatusCode

// The close codes a server sends.
const (
	StatusNormalClosure           = websocket.StatusNormalClosure           // 1000: done
	StatusGoingAway               = websocket.StatusGoingAway               // 1001: the server is stopping
	StatusProtocolError           = websocket.StatusProtocolError           // 1002
	StatusUnsupportedData         = websocket.StatusUnsupportedData         // 1003
	StatusInvalidFramePayloadData = websocket.StatusInvalidFramePayloadData // 1007: text that is not UTF-8
	StatusPolicyViolation         = websocket.StatusPolicyViolation         // 1008: too slow a reader
	StatusMessageTooBig           = websocket.StatusMessageTooBig           // 1009
	StatusInternalError           = websocket.StatusInternalError           // 1011: a panic
	StatusTryAgainLater           = websocket.StatusTryAgainLater           // 1013
)

// CloseError is the code and reason of a close handshake, as
// ConnectionLost reports it; it is github.com/coder/websocket's type.
type CloseError = websocket.CloseError

// CloseStatus returns the close code err carries (a CloseError, possibly
// wrapped), or -1 if it carries none.
func CloseStatus(err error) StatusCode { return websocket.CloseStatus(err) }
