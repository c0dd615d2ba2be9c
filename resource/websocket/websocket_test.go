package websocket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/resource/websocket"
)

func TestTextAndBytes(t *testing.T) {
	sv := serve(t, nil, nil)
	c := dial(t, sv.url, nil)
	p := sv.peer(t)

	write(t, c, cws.MessageText, "héllo")
	if got := p.next(t); got != "text:héllo" {
		t.Errorf("server got %q, want text:héllo", got)
	}
	write(t, c, cws.MessageBinary, "\x00resp\x01onse\xff")
	if got := p.next(t); got != "bytes:\x00resp\x01onse\xff" {
		t.Errorf("server got %q, want the bytes", got)
	}

	buf := []byte("bytes")
	if err := p.t.SendBytesMessage(buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX") // the Transport sends a copy
	if err := p.t.SendTextMessage("text"); err != nil {
		t.Fatal(err)
	}
	if typ, msg := read(t, c); typ != cws.MessageBinary || msg != "bytes" {
		t.Errorf("client got %v %q, want binary \"bytes\"", typ, msg)
	}
	if typ, msg := read(t, c); typ != cws.MessageText || msg != "text" {
		t.Errorf("client got %v %q, want text \"text\"", typ, msg)
	}
}

func TestEcho(t *testing.T) {
	sv := serve(t, nil, echo)
	c := dial(t, sv.url, nil)
	for _, msg := range []string{"hello world", "", strings.Repeat("x", 32<<10-len("reply to "))} {
		write(t, c, cws.MessageText, msg)
		if _, got := read(t, c); got != "reply to "+msg {
			t.Errorf("reply to %.20q: %.30q", msg, got)
		}
	}
}

func TestPingPong(t *testing.T) {
	sv := serve(t, nil, nil)
	c := dial(t, sv.url, nil)
	p := sv.peer(t)

	// The client reads (and answers pings) from here on.
	readCtx := c.CloseRead(context.Background())

	// The client pings: the server answers by itself, while it reads.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("client ping: %v", err)
	}

	// The server pings: the client answers, and the pong's payload
	// reaches PongReceived.
	if err := p.t.Ping(); err != nil {
		t.Fatal(err)
	}
	got := p.next(t)
	if !strings.HasPrefix(got, "pong:") || len(got) == len("pong:") {
		t.Errorf("server got %q, want a pong with the ping's payload", got)
	}
	p.t.LoseConnection(websocket.StatusNormalClosure, "")
	<-readCtx.Done()
	if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("ConnectionLost(%v), want a normal closure", err)
	}
}

func TestKeepalive(t *testing.T) {
	sv := serve(t, func(res *websocket.Resource) { res.PingInterval = 20 * time.Millisecond }, nil)

	// A client that reads answers the pings and stays.
	live := dial(t, sv.url, nil)
	lp := sv.peer(t)
	liveCtx := live.CloseRead(context.Background())
	for range 3 {
		if got := lp.next(t); !strings.HasPrefix(got, "pong:") {
			t.Fatalf("server got %q, want the keepalive's pongs", got)
		}
	}

	// A client that reads nothing answers no ping and is dropped.
	dead := dial(t, sv.url, nil)
	dp := sv.peer(t)
	if err := dp.waitLost(t); !errors.Is(err, websocket.ErrNoPong) {
		t.Errorf("ConnectionLost(%v), want ErrNoPong", err)
	}
	_ = dead

	select {
	case err := <-lp.lost:
		t.Errorf("the client that answers pings was dropped: %v", err)
	case <-liveCtx.Done():
		t.Error("the client that answers pings was closed")
	default:
	}
}

func TestCloseCodes(t *testing.T) {
	t.Run("client closes", func(t *testing.T) {
		sv := serve(t, nil, nil)
		c := dial(t, sv.url, nil)
		p := sv.peer(t)
		if err := c.Close(4000, "bye"); err != nil {
			t.Errorf("client close: %v", err)
		}
		err := p.waitLost(t)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "bye" {
			t.Errorf("ConnectionLost(%v), want code 4000 and reason bye", err)
		}
		if err := p.t.SendTextMessage("late"); !errors.Is(err, websocket.ErrClosed) {
			t.Errorf("send after close: %v, want ErrClosed", err)
		}
		if err := p.t.Ping(); !errors.Is(err, websocket.ErrClosed) {
			t.Errorf("ping after close: %v, want ErrClosed", err)
		}
	})

	t.Run("server closes after what it sent", func(t *testing.T) {
		sv := serve(t, nil, nil)
		c := dial(t, sv.url, nil)
		p := sv.peer(t)
		for i := range 100 {
			p.t.SendTextMessage(fmt.Sprint("message ", i))
		}
		p.t.LoseConnection(4001, strings.Repeat("é", 100)) // a reason too long is cut
		if err := p.t.SendTextMessage("after"); !errors.Is(err, websocket.ErrClosed) {
			t.Errorf("send after LoseConnection: %v, want ErrClosed", err)
		}
		for i := range 100 {
			if _, got := read(t, c); got != fmt.Sprint("message ", i) {
				t.Fatalf("message %d: %q", i, got)
			}
		}
		err := readClose(t, c)
		var ce cws.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != strings.Repeat("é", 61) {
			t.Errorf("client got %v, want code 4001 and the reason cut to 122 bytes", err)
		}
		if err := p.waitLost(t); websocket.CloseStatus(err) != 4001 {
			t.Errorf("ConnectionLost(%v), want 4001", err)
		}
	})

	t.Run("server closes from a Protocol method", func(t *testing.T) {
		sv := serve(t, nil, func(p *peer, msg string) {
			p.t.SendTextMessage("bye " + msg)
			p.t.LoseConnection(4002, "done")
		})
		c := dial(t, sv.url, nil)
		p := sv.peer(t)
		write(t, c, cws.MessageText, "now")
		if _, got := read(t, c); got != "bye now" {
			t.Errorf("client got %q, want the message sent before the close", got)
		}
		if err := readClose(t, c); cws.CloseStatus(err) != 4002 {
			t.Errorf("client got %v, want 4002", err)
		}
		if err := p.waitLost(t); websocket.CloseStatus(err) != 4002 {
			t.Errorf("ConnectionLost(%v), want 4002", err)
		}
	})

	t.Run("invalid UTF-8", func(t *testing.T) {
		sv := serve(t, nil, nil)
		c := dial(t, sv.url, nil)
		p := sv.peer(t)
		write(t, c, cws.MessageText, "\xff\xfe")
		if err := readClose(t, c); cws.CloseStatus(err) != cws.StatusInvalidFramePayloadData {
			t.Errorf("client got %v, want 1007", err)
		}
		if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusInvalidFramePayloadData {
			t.Errorf("ConnectionLost(%v), want 1007", err)
		}
		select {
		case e := <-p.got:
			t.Errorf("the invalid message was delivered: %q", e)
		default:
		}
	})

	t.Run("client cuts the connection", func(t *testing.T) {
		sv := serve(t, nil, nil)
		c := dial(t, sv.url, nil)
		p := sv.peer(t)
		c.CloseNow()
		err := p.waitLost(t)
		if err == nil || websocket.CloseStatus(err) != -1 {
			t.Errorf("ConnectionLost(%v), want an I/O error without a close code", err)
		}
	})
}

func TestMessageTooBig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		max   int // the largest message read
	}{
		{"default", 0, 32 << 10},
		{"set", 100, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sv := serve(t, func(res *websocket.Resource) { res.MaxMessageSize = tc.limit }, nil)
			c := dial(t, sv.url, nil)
			p := sv.peer(t)
			write(t, c, cws.MessageBinary, strings.Repeat("a", tc.max))
			if got := p.next(t); len(got) != len("bytes:")+tc.max {
				t.Errorf("a message of the largest size was not delivered whole (%d bytes)", len(got))
			}
			// One byte more, in two frames: refused before it is read.
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			w, err := c.Writer(ctx, cws.MessageBinary)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(strings.Repeat("b", tc.max)))
			w.Write([]byte("b"))
			w.Close()
			if err := readClose(t, c); cws.CloseStatus(err) != cws.StatusMessageTooBig {
				t.Errorf("client got %v, want 1009", err)
			}
			if err := p.waitLost(t); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Errorf("ConnectionLost(%v), want 1009", err)
			}
		})
	}
}

func TestWriteTimeout(t *testing.T) {
	sv := serve(t, func(res *websocket.Resource) {
		res.WriteTimeout = 50 * time.Millisecond
		res.SendQueueBytes = 1 << 30
	}, nil)
	dial(t, sv.url, nil) // reads nothing
	p := sv.peer(t)
	msg := strings.Repeat("w", 64<<10)
	for i := 0; ; i++ {
		if err := p.t.SendTextMessage(msg); err != nil {
			break
		}
		select {
		case err := <-p.lost:
			if err == nil || websocket.CloseStatus(err) != -1 {
				t.Errorf("ConnectionLost(%v), want the write's timeout", err)
			}
			return
		default:
		}
		if i == 100000 {
			t.Fatal("a client that reads nothing was never dropped")
		}
	}
	p.waitLost(t)
}

func TestProtocolPanics(t *testing.T) {
	sv := serve(t, nil, func(p *peer, msg string) { panic("boom: " + msg) })
	c := dial(t, sv.url, nil)
	p := sv.peer(t)
	write(t, c, cws.MessageText, "now")
	if err := readClose(t, c); cws.CloseStatus(err) != cws.StatusInternalError {
		t.Errorf("client got %v, want 1011", err)
	}
	if err := p.waitLost(t); err == nil || !strings.Contains(err.Error(), "boom: now") {
		t.Errorf("ConnectionLost(%v), want the panic", err)
	}
	if logs := sv.logs.String(); !strings.Contains(logs, "panic in the Protocol") {
		t.Errorf("the panic was not logged: %q", logs)
	}
}

func TestNew(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "websocket: New(nil)") {
			t.Errorf("New(nil) panicked with %v", v)
		}
	}()
	websocket.New(nil)
}
