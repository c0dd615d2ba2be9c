package websocket_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

// wait is how long a test waits for something that should happen at once
// over loopback; a slow machine only makes the tests slower.
const wait = 20 * time.Second

// A peer is the server side of one test connection: a Protocol that
// records what it is told and lets the test act on its Transport.
type peer struct {
	websocket.BaseProtocol
	r *request.Request

	t      *websocket.Transport
	opened chan struct{} // closed by NegotiationFinished
	got    chan string   // "text:...", "bytes:...", "pong:..."
	lost   chan error    // ConnectionLost's error

	// onText, when set, answers a text message instead of recording it.
	onText func(p *peer, msg string)
}

func newPeer(r *request.Request) *peer {
	return &peer{r: r, opened: make(chan struct{}), got: make(chan string, 1024), lost: make(chan error, 1)}
}

func (p *peer) NegotiationStarted(t *websocket.Transport) { p.t = t }
func (p *peer) NegotiationFinished()                      { close(p.opened) }
func (p *peer) TextMessageReceived(msg string) {
	if p.onText != nil {
		p.onText(p, msg)
		return
	}
	p.got <- "text:" + msg
}
func (p *peer) BytesMessageReceived(b []byte) { p.got <- "bytes:" + string(b) }
func (p *peer) PongReceived(b []byte)         { p.got <- "pong:" + string(b) }
func (p *peer) ConnectionLost(err error)      { p.lost <- err }

// next returns the next event the peer recorded.
func (p *peer) next(t *testing.T) string {
	t.Helper()
	return testutil.Receive(t, p.got, wait, "the server received nothing")
}

// waitLost returns the error ConnectionLost got.
func (p *peer) waitLost(t *testing.T) error {
	t.Helper()
	return testutil.Receive(t, p.lost, wait, "ConnectionLost was not called")
}

// A server is a Site serving a websocket.Resource at /ws, whose peers the
// test receives on a channel as they connect.
type server struct {
	site  *site.Site
	srv   *httptest.Server
	res   *websocket.Resource
	peers chan *peer
	url   string // ws://HOST/ws
	logs  *testutil.SyncBuffer
}

// serve starts a server; configure may set the Resource's fields and make
// the peers answer (setting onText) before they see the connection.
func serve(t *testing.T, configure func(res *websocket.Resource), onText func(p *peer, msg string)) *server {
	t.Helper()
	sv := &server{peers: make(chan *peer, 1024), logs: new(testutil.SyncBuffer)}
	sv.res = websocket.New(func(r *request.Request) (websocket.Protocol, error) {
		p := newPeer(r)
		p.onText = onText
		sv.peers <- p
		return p, nil
	})
	if configure != nil {
		configure(sv.res)
	}
	root := resource.New()
	root.PutChild("ws", sv.res)
	sv.site, sv.srv = testutil.Serve(t, root, testutil.LogTo(sv.logs))
	sv.url = "ws" + strings.TrimPrefix(sv.srv.URL, "http") + "/ws"
	return sv
}

// peer returns the server side of the next connection, once it is open.
func (sv *server) peer(t *testing.T) *peer {
	t.Helper()
	p := testutil.Receive(t, sv.peers, wait, "the Factory was not called")
	testutil.Receive(t, p.opened, wait, "NegotiationFinished was not called")
	return p
}

// dial connects a client to url; the connection is cut when the test ends.
func dial(t *testing.T, url string, header http.Header) *cws.Conn {
	t.Helper()
	return dialWith(t, url, &cws.DialOptions{HTTPHeader: header})
}

// dialWith is dial with the client's options.
func dialWith(t *testing.T, url string, opts *cws.DialOptions) *cws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, resp, err := cws.Dial(ctx, url, opts)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// read reads one message from a client connection.
func read(t *testing.T, c *cws.Conn) (cws.MessageType, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	typ, p, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	return typ, string(p)
}

// readClose reads from a client connection until it closes, and returns
// the close error.
func readClose(t *testing.T, c *cws.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the connection did not close")
			}
			return err
		}
	}
}

// write writes one message from a client connection.
func write(t *testing.T, c *cws.Conn, typ cws.MessageType, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Write(ctx, typ, []byte(msg)); err != nil {
		t.Fatalf("client write: %v", err)
	}
}

// handshake sends a handshake-like request with the given method and
// headers over plain HTTP and returns the response and its body.
func handshake(t *testing.T, url, method string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := testutil.NewRequest(t, method, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	return testutil.Send(t, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: wait}, req)
}

// upgradeHeaders returns the headers of a valid handshake.
func upgradeHeaders() http.Header {
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
}

// echo answers each text message with "reply to " and the message, as
// Twisted's example does.
func echo(p *peer, msg string) { p.t.SendTextMessage("reply to " + msg) }
