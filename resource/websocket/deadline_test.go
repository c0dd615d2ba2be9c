package websocket_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

// pipeListener is a net.Listener whose connections are in-memory pipes,
// so that a server and its clients can run in a synctest bubble, on its
// fake clock.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects to the listener.
func (l *pipeListener) dial(context.Context, string, string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// TestIdleLongerThanWriteTimeout checks that the write deadline, moved
// only now and then, never fails a write after the connection sat idle
// for longer than WriteTimeout: not a message, not the pong the library
// answers a ping with, not the close of a message too big. It runs on
// synctest's clock, over in-memory pipes.
func TestIdleLongerThanWriteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = time.Second
		peers := make(chan *peer, 1)
		res := websocket.New(func(r *request.Request) (websocket.Protocol, error) {
			p := newPeer(r)
			peers <- p
			return p, nil
		})
		res.WriteTimeout = timeout
		res.PingInterval = -1 // nothing moves the deadline but the test
		root := resource.New()
		root.PutChild("ws", res)
		s := site.New(root)
		testutil.Quiet(s)
		ln := newPipeListener()
		served := make(chan error, 1)
		go func() { served <- s.Serve(ln) }()

		client := &http.Client{Transport: &http.Transport{DialContext: ln.dial}}
		ctx := context.Background()
		c, _, err := cws.Dial(ctx, "ws://pipe/ws", &cws.DialOptions{HTTPClient: client})
		if err != nil {
			t.Fatal(err)
		}
		p := <-peers
		readCtx := c.CloseRead(ctx) // the client reads (and answers pings)
		synctest.Wait()

		time.Sleep(3 * timeout) // idle
		if err := p.t.Ping(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := <-p.got; !strings.HasPrefix(got, "pong:") {
			t.Fatalf("after the idle time the server got %q, want a pong", got)
		}

		time.Sleep(3 * timeout)
		pingCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := c.Ping(pingCtx); err != nil {
			t.Errorf("after the idle time, the client's ping got no pong: %v", err)
		}

		time.Sleep(3 * timeout)
		p.t.LoseConnection(4000, "late")
		<-readCtx.Done()
		if err := p.waitLost(t); websocket.CloseStatus(err) != 4000 {
			t.Errorf("ConnectionLost(%v), want the close sent after the idle time", err)
		}
		c.CloseNow()

		s.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		client.CloseIdleConnections()
	})
}
