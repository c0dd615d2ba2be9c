package websocket

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Defaults of the Resource's limits.
const (
	DefaultMaxMessageSize = 32 << 10
	DefaultMaxConnections = 10000
	DefaultSendQueueBytes = 256 << 10
	DefaultPingInterval   = 30 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
)

// closeTimeout bounds a close handshake: if the peer has not answered by
// then, the connection is cut.
const closeTimeout = 5 * time.Second

// Resource answers WebSocket handshakes and serves each connection with a
// Protocol its Factory makes (Twisted's WebSocketResource). Make one with
// New; set the fields before serving and do not change them afterwards.
// Like any resource it renders GET (the handshake), and like Twisted's it
// is not a leaf: a path below it is a 404 unless a child is put there. A
// Resource is safe for concurrent use.
type Resource struct {
	resource.Base

	// OriginPatterns lists the browser origins allowed besides the
	// request's own host, as host patterns in path.Match syntax, matched
	// without regard to case against the origin's host (with its port),
	// or against "scheme://host" when the pattern contains "://":
	// "example.com", "*.example.com", "https://app.example.com:8443".
	// The pattern "*" allows every origin; use it only for a resource
	// that needs no cookie or other ambient credential, as it lets any
	// site's pages connect on their visitors' behalf. A malformed pattern
	// matches nothing.
	OriginPatterns []string

	// Subprotocols lists the subprotocols the Resource speaks, in its
	// order of preference. A handshake that offers some of them
	// (Sec-WebSocket-Protocol) is answered with the first of them it
	// offers, which the Protocol reads from Transport.Subprotocol; one
	// that offers none of them is answered without a subprotocol, which a
	// browser that offered some takes for a failed connection. Matching
	// ignores case.
	Subprotocols []string

	// MaxMessageSize is the largest message read, in bytes; a larger one
	// closes the connection with StatusMessageTooBig. Zero means
	// DefaultMaxMessageSize (32 KiB); negative means no limit.
	MaxMessageSize int64

	// MaxConnections caps the connections open at once; a handshake
	// beyond it gets 503. Zero means DefaultMaxConnections; negative means
	// no limit.
	MaxConnections int

	// SendQueueBytes caps the bytes waiting in a connection's send queue
	// (each message counts its length plus 32). A send that would go
	// beyond it closes the connection (see ErrTooSlow); a message sent
	// when the queue is empty is always taken. Zero means
	// DefaultSendQueueBytes (256 KiB).
	SendQueueBytes int

	// PingInterval is how often an open connection is pinged, and how
	// long a ping waits for its pong before the connection is closed as
	// dead (see ErrNoPong). Zero means DefaultPingInterval (30 seconds);
	// negative means no keepalive pings.
	PingInterval time.Duration

	// WriteTimeout bounds how long a write may block: a client that reads
	// nothing while it is being written to is disconnected after between
	// half of WriteTimeout and all of it. Zero means DefaultWriteTimeout
	// (10 seconds).
	WriteTimeout time.Duration

	factory Factory
	open    atomic.Int64 // connections reserved or open
	bufs    bufPool      // message buffers for reads and writes
}

var (
	_ resource.Resource    = (*Resource)(nil)
	_ resource.GETRenderer = (*Resource)(nil)
)

// New returns a Resource that serves each connection with a Protocol
// factory makes. It panics if factory is nil.
func New(factory Factory) *Resource {
	if factory == nil {
		panic("websocket: New(nil)")
	}
	return &Resource{factory: factory}
}

func (res *Resource) maxMessageSize() int64 {
	switch {
	case res.MaxMessageSize == 0:
		return DefaultMaxMessageSize
	case res.MaxMessageSize < 0:
		return -1
	}
	return res.MaxMessageSize
}

func (res *Resource) sendQueueBytes() int {
	if res.SendQueueBytes <= 0 {
		return DefaultSendQueueBytes
	}
	return res.SendQueueBytes
}

// pingInterval returns the keepalive's interval, or how long a ping waits
// for its pong when there is no keepalive.
func (res *Resource) pingInterval() time.Duration {
	if res.PingInterval <= 0 {
		return DefaultPingInterval
	}
	return res.PingInterval
}

func (res *Resource) writeTimeout() time.Duration {
	if res.WriteTimeout <= 0 {
		return DefaultWriteTimeout
	}
	return res.WriteTimeout
}

// reserve takes a connection slot, or reports that none is free.
func (res *Resource) reserve() bool {
	limit := int64(res.MaxConnections)
	if limit == 0 {
		limit = DefaultMaxConnections
	}
	for {
		n := res.open.Load()
		if limit > 0 && n >= limit {
			return false
		}
		if res.open.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release gives a connection slot back.
func (res *Resource) release() { res.open.Add(-1) }

// RenderGET answers the handshake: it checks the upgrade headers (400, or
// 426 for a version other than 13), the Origin (403) and the connection cap
// (503), asks the Factory for the connection's Protocol, then switches
// protocols and hands the connection to a goroutine of its own, returning
// resource.NotDoneYet: the request ends when the connection does. The
// Site's handler returns at once (the Request is hijacked), so an open
// connection holds one goroutine, the Transport's.
func (res *Resource) RenderGET(r *request.Request) ([]byte, error) {
	if err := checkHandshake(r); err != nil {
		return nil, err
	}
	if origin := r.Header("Origin"); !originAllowed(origin, r.Host(), res.OriginPatterns) {
		return nil, &request.StatusError{Code: http.StatusForbidden,
			Err: fmt.Errorf("websocket: origin %q not allowed for host %q", origin, r.Host())}
	}
	if !res.reserve() {
		return nil, &request.StatusError{Code: http.StatusServiceUnavailable,
			Err: errors.New("websocket: too many connections")}
	}
	accepted := false
	defer func() {
		if !accepted {
			res.release()
		}
	}()
	proto, err := res.factory(r)
	if err != nil {
		return nil, err
	}
	if proto == nil {
		return nil, errors.New("websocket: the Factory returned a nil Protocol")
	}
	t := &Transport{res: res, r: r, proto: proto, born: time.Now()}
	w := &hijackWriter{ResponseWriter: r.ResponseWriter(), t: t}
	conn, err := websocket.Accept(w, r.HTTPRequest(), &websocket.AcceptOptions{
		InsecureSkipVerify: true, // checked above, so that a refusal gets the framework's page
		Subprotocols:       res.Subprotocols,
		OnPongReceived:     t.pongReceived,
	})
	if err != nil {
		// checkHandshake leaves only the hijack to fail: a server that
		// cannot hand its connection over.
		return nil, err
	}
	accepted = true
	conn.SetReadLimit(res.maxMessageSize())
	t.conn = conn
	t.start()
	return nil, resource.NotDoneYet
}

// hijackWriter is the ResponseWriter Accept writes the handshake's answer
// through. It gives the Transport the connection Accept hijacks, so that
// writes get deadlines and a close that hangs can be cut, and hands Accept
// a readConn in its place.
type hijackWriter struct {
	http.ResponseWriter
	t *Transport
}

// Hijack hijacks through the Request's writer, which keeps the Request
// pending until the Transport finishes it.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.t.nc = c
	return readConn{c, w.t}, rw, nil
}

// readConn is the hijacked connection as the library reads it: what
// arrives may make the library write (a pong, the echo of a close, the
// close of a message too big), so each read keeps the write deadline ahead
// (see Transport.keepDeadline).
type readConn struct {
	net.Conn
	t *Transport
}

func (c readConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.t.keepDeadline()
	}
	return n, err
}

// checkHandshake checks what Accept would check of a handshake request
// (RFC 6455 section 4.2.1), so that Accept never answers with a page of its
// own: the method, HTTP/1.1, the upgrade headers, the version and the key.
func checkHandshake(r *request.Request) error {
	hr := r.HTTPRequest()
	var why string
	switch {
	case hr.Method != http.MethodGet:
		why = "a handshake is a GET, not a " + hr.Method
	case !hr.ProtoAtLeast(1, 1):
		why = "a handshake needs HTTP/1.1, not " + hr.Proto
	case !hasToken(hr.Header["Connection"], "upgrade"):
		why = "no Connection: Upgrade"
	case !hasToken(hr.Header["Upgrade"], "websocket"):
		why = "no Upgrade: websocket"
	case hr.Header.Get("Sec-WebSocket-Version") != "13":
		// A 426 names the protocol to upgrade to (RFC 9110 section
		// 15.5.22), and the version of it (RFC 6455 section 4.2.2).
		r.SetHeader("Upgrade", "websocket")
		r.SetHeader("Connection", "Upgrade")
		r.SetHeader("Sec-WebSocket-Version", "13")
		return &request.StatusError{Code: http.StatusUpgradeRequired,
			Err: fmt.Errorf("websocket: unsupported Sec-WebSocket-Version %q", hr.Header.Get("Sec-WebSocket-Version"))}
	case !validKey(hr.Header["Sec-Websocket-Key"]):
		why = "no valid Sec-WebSocket-Key"
	default:
		return nil
	}
	return &request.StatusError{Code: http.StatusBadRequest, Err: errors.New("websocket: not a handshake: " + why)}
}

// hasToken reports whether the comma-separated header values hold token,
// compared without regard to case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// validKey reports whether the Sec-WebSocket-Key values are one base64
// encoding of 16 bytes.
func validKey(values []string) bool {
	if len(values) != 1 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(values[0]))
	return err == nil && len(b) == 16
}

// originAllowed reports whether a handshake with the Origin header origin,
// sent to host, may proceed: it has no Origin (it does not come from a
// browser), its origin's host is host, or it matches one of patterns (see
// Resource.OriginPatterns).
func originAllowed(origin, host string, patterns []string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); ok && err == nil {
			return true
		}
	}
	return false
}
