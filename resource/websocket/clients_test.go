package websocket_test

// Tests of many connections at once: many clients, the Site closing under
// them, the Site's handler letting go of each, and a broadcast that one
// stalled client must not hold up.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

func TestManyClients(t *testing.T) {
	const clients, messages = 50, 20
	sv := serve(t, nil, echo)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		c := dial(t, sv.url, nil)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			for j := range messages {
				msg := fmt.Sprintf("%d/%d", i, j)
				if err := c.Write(ctx, cws.MessageText, []byte(msg)); err != nil {
					errs <- err
					return
				}
				_, got, err := c.Read(ctx)
				if err != nil || string(got) != "reply to "+msg {
					errs <- fmt.Errorf("client %d: %q, %v", i, got, err)
					return
				}
			}
			c.Close(cws.StatusNormalClosure, "")
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for range clients {
		p := sv.peer(t)
		if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("ConnectionLost(%v)", err)
		}
	}
}

func TestSiteCloseGoingAway(t *testing.T) {
	sv := serve(t, nil, nil)
	var clients []*cws.Conn
	var peers []*peer
	for range 5 {
		clients = append(clients, dial(t, sv.url, nil))
		peers = append(peers, sv.peer(t))
	}
	sv.site.Close()
	for i, c := range clients {
		err := readClose(t, c)
		var ce cws.CloseError
		if !errors.As(err, &ce) || ce.Code != cws.StatusGoingAway {
			t.Errorf("client %d: %v, want 1001", i, err)
		}
	}
	for i, p := range peers {
		if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Errorf("peer %d: ConnectionLost(%v), want 1001", i, err)
		}
	}
}

// TestHandlerReturns checks that an open connection holds no handler
// goroutine: the Site's ServeHTTP returns once the connection is accepted,
// the connection and the Request's context live on, and Site.Close still
// closes the connection with 1001.
func TestHandlerReturns(t *testing.T) {
	peers := make(chan *peer, 1)
	root := resource.New()
	root.PutChild("ws", websocket.New(func(r *request.Request) (websocket.Protocol, error) {
		p := newPeer(r)
		p.onText = func(p *peer, msg string) { p.t.SendTextMessage("re: " + msg) }
		peers <- p
		return p, nil
	}))
	s := site.New(root)
	returned := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	t.Cleanup(func() {
		s.Close()
		srv.Close()
	})
	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	p := <-peers
	select {
	case <-returned:
	case <-time.After(wait):
		t.Fatal("ServeHTTP did not return while the connection is open")
	}
	write(t, c, cws.MessageText, "hi")
	if _, got := read(t, c); got != "re: hi" {
		t.Errorf("after the handler returned, the echo is %q", got)
	}
	ctx := p.r.Context()
	if ctx.Err() != nil {
		t.Errorf("the Request's context ended with the handler: %v", context.Cause(ctx))
	}
	s.Close()
	var ce cws.CloseError
	if err := readClose(t, c); !errors.As(err, &ce) || ce.Code != cws.StatusGoingAway {
		t.Errorf("after Site.Close the client got %v, want 1001", err)
	}
	if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("ConnectionLost(%v), want 1001", err)
	}
	if !errors.Is(context.Cause(ctx), request.ErrClosed) {
		t.Errorf("the Request's context: %v, want it cancelled with request.ErrClosed", context.Cause(ctx))
	}
}

func TestBroadcastStalledClient(t *testing.T) {
	const size = 64 << 10
	sv := serve(t, func(res *websocket.Resource) { res.SendQueueBytes = 8 * size }, nil)
	var readers []*cws.Conn
	var all []*peer
	for range 3 {
		readers = append(readers, dial(t, sv.url, nil))
		all = append(all, sv.peer(t))
	}
	stalledClient := dial(t, sv.url, nil) // reads nothing
	stalled := sv.peer(t)

	// The readers read everything, each on its own goroutine, and say
	// which message they got.
	var wg sync.WaitGroup
	got := make([]chan int, len(readers))
	for i, c := range readers {
		got[i] = make(chan int, 1)
		wg.Go(func() {
			defer close(got[i])
			ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
			defer cancel()
			for n := 0; ; n++ {
				_, p, err := c.Read(ctx)
				if err != nil {
					return
				}
				if want := fmt.Sprintf("%08d", n); len(p) != size || string(p[:8]) != want {
					t.Errorf("reader %d: message %.8q of %d bytes, want %s of %d", i, p, len(p), want, size)
					return
				}
				got[i] <- n
			}
		})
	}

	// Broadcast, a message at a time, at the pace of the readers, until
	// the stalled client is dropped: the kernel's buffers fill, then its
	// queue. The sends never wait for it.
	msg := []byte(strings.Repeat("m", size))
	for sent := 0; ; sent++ {
		if sent == 100000 {
			t.Fatalf("the stalled client was not dropped after %d messages", sent)
		}
		copy(msg, fmt.Sprintf("%08d", sent))
		for _, p := range all {
			if err := p.t.SendBytesMessage(msg); err != nil {
				t.Fatalf("send to a reader: %v", err)
			}
		}
		err := stalled.t.SendBytesMessage(msg)
		for i := range readers {
			if n, ok := <-got[i]; !ok || n != sent {
				t.Fatalf("reader %d got message %d (%v), want %d", i, n, ok, sent)
			}
		}
		if err != nil {
			if !errors.Is(err, websocket.ErrTooSlow) {
				t.Errorf("the send that found the queue full: %v, want ErrTooSlow", err)
			}
			t.Logf("the stalled client was dropped at message %d", sent)
			break
		}
	}
	if err := stalled.t.SendBytesMessage(msg); !errors.Is(err, websocket.ErrClosed) {
		t.Errorf("send to the dropped client: %v, want ErrClosed", err)
	}
	// The close frame waits behind what the stalled client does not read;
	// once it goes away, the server sees it at once.
	stalledClient.CloseNow()
	if err := stalled.waitLost(t); !errors.Is(err, websocket.ErrTooSlow) {
		t.Errorf("ConnectionLost(%v), want ErrTooSlow", err)
	}
	for _, p := range all {
		p.t.LoseConnection(websocket.StatusNormalClosure, "")
	}
	wg.Wait()
}
