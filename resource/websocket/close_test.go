package websocket_test

// Tests of the close paths: a Protocol's methods stay one at a time and
// before ConnectionLost while a close handshake reads what arrives, a
// panic's close ends before ConnectionLost, and Site.Close cuts a
// connection that LoseConnection is draining to a client that reads
// nothing.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
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

// A strict Protocol checks the promise of the Protocol interface: its
// methods run one at a time, and none runs after ConnectionLost.
type strict struct {
	t          *websocket.Transport
	onText     func(s *strict)
	pongPanics bool
	pinged     chan struct{} // receives when the client got a ping

	running atomic.Int32
	ended   atomic.Bool
	mu      sync.Mutex
	broken  []string   // the promises seen broken
	lost    chan error // ConnectionLost's error
}

// method records that the method name starts; the function it returns
// records that it returned (or panicked).
func (s *strict) method(name string) func() {
	if s.running.Add(1) > 1 {
		s.fail(name + " ran while another method ran")
	}
	if s.ended.Load() {
		s.fail(name + " ran after ConnectionLost")
	}
	return func() { s.running.Add(-1) }
}

func (s *strict) fail(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken = append(s.broken, what)
}

func (s *strict) NegotiationStarted(t *websocket.Transport) {
	defer s.method("NegotiationStarted")()
	s.t = t
}
func (s *strict) NegotiationFinished()        { defer s.method("NegotiationFinished")() }
func (s *strict) BytesMessageReceived([]byte) { defer s.method("BytesMessageReceived")() }
func (s *strict) TextMessageReceived(string) {
	defer s.method("TextMessageReceived")()
	s.onText(s)
}
func (s *strict) PongReceived([]byte) {
	defer s.method("PongReceived")()
	if s.pongPanics {
		panic("pong")
	}
}
func (s *strict) ConnectionLost(err error) {
	defer s.method("ConnectionLost")()
	s.ended.Store(true)
	s.lost <- err
}

// TestOneMethodAtATime checks that a pong the close handshake reads (the
// library reads the peer's frames while it waits for the close's answer)
// does not reach PongReceived while another method runs, nor after
// ConnectionLost, nor crash the process when PongReceived panics. The
// text message's method pings and waits until the client has the ping
// (the client answers at once, while the server reads nothing: the pong
// reaches the server before the answer to the close), then begins the
// close and keeps working. That last sleep makes room for the close to
// read the pong while the method runs; no event says when it did. On a
// machine too slow for it the test catches less, but what is checked
// holds in either order.
func TestOneMethodAtATime(t *testing.T) {
	ping := func(s *strict) {
		s.t.Ping()
		select {
		case <-s.pinged:
		case <-time.After(wait):
			s.fail("the client got no ping")
		}
	}
	lose := func(s *strict) {
		ping(s)
		s.t.LoseConnection(websocket.StatusNormalClosure, "")
		time.Sleep(500 * time.Millisecond)
	}
	for _, tc := range []struct {
		name       string
		onText     func(s *strict)
		pongPanics bool
		want       websocket.StatusCode // ConnectionLost's
	}{
		{"LoseConnection", lose, false, websocket.StatusNormalClosure},
		{"LoseConnection, PongReceived panics", lose, true, websocket.StatusNormalClosure},
		{"panic", func(s *strict) {
			ping(s)
			panic("boom")
		}, false, websocket.StatusInternalError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			protos := make(chan *strict, 1)
			pinged := make(chan struct{}, 1)
			res := websocket.New(func(*request.Request) (websocket.Protocol, error) {
				s := &strict{onText: tc.onText, pongPanics: tc.pongPanics, lost: make(chan error, 1), pinged: pinged}
				protos <- s
				return s, nil
			})
			res.PingInterval = -1
			root := resource.New()
			root.PutChild("ws", res)
			_, srv := testutil.Serve(t, root, testutil.Quiet)
			c := dialWith(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", &cws.DialOptions{
				OnPingReceived: func(context.Context, []byte) bool {
					select {
					case pinged <- struct{}{}:
					default:
					}
					return true // answer it
				},
			})
			s := testutil.Receive(t, protos, wait, "the Factory was not called")
			readCtx := c.CloseRead(context.Background()) // answers the ping and the close
			write(t, c, cws.MessageText, "go")

			err := testutil.Receive(t, s.lost, wait, "ConnectionLost was not called")
			if tc.want == websocket.StatusInternalError {
				if err == nil || !strings.Contains(err.Error(), "boom") {
					t.Errorf("ConnectionLost(%v), want the panic", err)
				}
			} else if websocket.CloseStatus(err) != tc.want {
				t.Errorf("ConnectionLost(%v), want %d", err, tc.want)
			}
			<-readCtx.Done()
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, b := range s.broken {
				t.Error(b)
			}
		})
	}
}

// pipeSite serves res at ws://pipe/ws from a Site over in-memory pipes,
// for a test in a synctest bubble; it returns a dialer and a function
// that closes the Site and waits for its Serve, which also runs when the
// test ends.
func pipeSite(t *testing.T, res *websocket.Resource) (s *site.Site, dial func() (*cws.Conn, *http.Response, error), closeSite func()) {
	root := resource.New()
	root.PutChild("ws", res)
	s = site.New(root)
	testutil.Quiet(s)
	ln := newPipeListener()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	client := &http.Client{Transport: &http.Transport{DialContext: ln.dial}}
	dial = func() (*cws.Conn, *http.Response, error) {
		return cws.Dial(context.Background(), "ws://pipe/ws", &cws.DialOptions{HTTPClient: client})
	}
	var once sync.Once
	closeSite = func() {
		once.Do(func() {
			s.Close()
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
			client.CloseIdleConnections()
		})
	}
	t.Cleanup(closeSite)
	return s, dial, closeSite
}

// closeTimeout is the package's bound on a close handshake.
const closeTimeout = 5 * time.Second

// TestPanicCloseEndsFirst checks that after a panic in a Protocol method
// the close handshake ends before the connection's slot is given back and
// ConnectionLost is called, as after LoseConnection: with a client that
// answers nothing, at the close's timeout. It runs on synctest's clock.
func TestPanicCloseEndsFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peers := make(chan *peer, 2)
		res := websocket.New(func(r *request.Request) (websocket.Protocol, error) {
			p := newPeer(r)
			p.onText = func(*peer, string) { panic("boom") }
			peers <- p
			return p, nil
		})
		res.MaxConnections = 1
		res.PingInterval = -1
		_, dial, _ := pipeSite(t, res)
		c, _, err := dial() // reads nothing from here on
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		p := <-peers
		write(t, c, cws.MessageText, "go")
		synctest.Wait()
		select {
		case err := <-p.lost:
			t.Errorf("ConnectionLost(%v) while the close waits for its answer", err)
		default:
		}
		if c2, resp, err := dial(); err == nil {
			c2.CloseNow()
			t.Error("a second client was accepted while the first is open, beyond MaxConnections")
		} else if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a second client beyond MaxConnections: %v, want 503", err)
		}

		time.Sleep(closeTimeout)
		synctest.Wait()
		select {
		case err := <-p.lost:
			if err == nil || !strings.Contains(err.Error(), "boom") {
				t.Errorf("ConnectionLost(%v), want the panic", err)
			}
		default:
			t.Fatal("ConnectionLost was not called at the close's timeout")
		}
		c2, _, err := dial()
		if err != nil {
			t.Errorf("once the first connection ended, a second client: %v", err)
		} else {
			c2.CloseNow()
		}
	})
}

// TestSiteCloseCutsDraining checks that Site.Close ends, within the close
// handshake's bound, a connection whose LoseConnection waits behind
// messages a client does not read, rather than after WriteTimeout. It runs
// on synctest's clock.
func TestSiteCloseCutsDraining(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peers := make(chan *peer, 1)
		res := websocket.New(func(r *request.Request) (websocket.Protocol, error) {
			p := newPeer(r)
			peers <- p
			return p, nil
		})
		res.WriteTimeout = 30 * time.Second
		res.SendQueueBytes = 32 << 20
		res.PingInterval = -1
		_, dial, closeSite := pipeSite(t, res)
		c, _, err := dial() // reads nothing
		if err != nil {
			t.Fatal(err)
		}
		p := <-peers
		<-p.opened
		msg := strings.Repeat("m", 64<<10)
		for i := range 256 {
			if err := p.t.SendTextMessage(msg); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		p.t.LoseConnection(websocket.StatusNormalClosure, "")
		synctest.Wait()

		closeSite()
		time.Sleep(closeTimeout)
		synctest.Wait()
		select {
		case err := <-p.lost:
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Errorf("ConnectionLost(%v), want LoseConnection's close", err)
			}
		default:
			t.Errorf("ConnectionLost was not called %v after Site.Close", closeTimeout)
			c.CloseNow()
			<-p.lost
		}
		c.CloseNow()
	})
}
