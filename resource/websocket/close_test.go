package websocket_test

// Tests of the close paths: a Protocol's methods stay one at a time and
// before ConnectionLost while a close handshake reads what arrives, a
// panic's close ends before ConnectionLost, and Site.Close cuts a
// connection that LoseConnection is draining to a client that reads
// nothing.

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
)

// A strict Protocol checks the promise of the Protocol interface: its
// methods run one at a time, and none runs after ConnectionLost.
type strict struct {
	t          *websocket.Transport
	onText     func(s *strict)
	pongPanics bool

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
// text message's method pings (the client answers at once, while the
// server reads nothing), then begins the close and keeps working: its
// sleeps make room for the pong to be read meanwhile; what is checked does
// not depend on them.
func TestOneMethodAtATime(t *testing.T) {
	lose := func(s *strict) {
		s.t.Ping()
		time.Sleep(200 * time.Millisecond)
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
			s.t.Ping()
			time.Sleep(200 * time.Millisecond)
			panic("boom")
		}, false, websocket.StatusInternalError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			protos := make(chan *strict, 1)
			res := websocket.New(func(*request.Request) (websocket.Protocol, error) {
				s := &strict{onText: tc.onText, pongPanics: tc.pongPanics, lost: make(chan error, 1)}
				protos <- s
				return s, nil
			})
			res.PingInterval = -1
			root := resource.New()
			root.PutChild("ws", res)
			_, srv := testutil.Serve(t, root, testutil.Quiet)
			c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
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
