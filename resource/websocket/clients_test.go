package websocket_test

// Tests of many connections at once: many clients, the Site closing under
// them, and a broadcast that one stalled client must not hold up.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/resource/websocket"
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
