package websocket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
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

// echo answers each text message with "reply to " and the message, as
// Twisted's example does.
func echo(p *peer, msg string) { p.t.SendTextMessage("reply to " + msg) }

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

// The framework's pages, as the Site renders them.
func page(code int, brief, detail string) string {
	return fmt.Sprintf("\n<html>\n  <head><title>%d - %s</title></head>\n  <body>\n    <h1>%s</h1>\n    <p>%s</p>\n  </body>\n</html>\n",
		code, brief, brief, detail)
}

func TestRefusedHandshakes(t *testing.T) {
	sv := serve(t, func(res *websocket.Resource) { res.OriginPatterns = []string{"*.example.com", "https://app.test"} }, nil)
	httpURL := sv.srv.URL + "/ws"
	host := strings.TrimPrefix(sv.srv.URL, "http://")
	with := func(kv ...string) http.Header {
		h := upgradeHeaders()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(h, kv[i])
			} else {
				h[kv[i]] = []string{kv[i+1]}
			}
		}
		return h
	}
	badRequest := page(400, "Bad Request", "The request could not be understood.")
	for _, tc := range []struct {
		name   string
		method string
		header http.Header
		status int
		body   string
		hdr    [2]string // a header the response must carry
	}{
		{"plain GET", "GET", nil, 400, badRequest, [2]string{}},
		{"no Upgrade", "GET", with("Upgrade", ""), 400, badRequest, [2]string{}},
		{"Upgrade: h2c", "GET", with("Upgrade", "h2c"), 400, badRequest, [2]string{}},
		{"no Connection: Upgrade", "GET", with("Connection", "keep-alive"), 400, badRequest, [2]string{}},
		{"no key", "GET", with("Sec-Websocket-Key", ""), 400, badRequest, [2]string{}},
		{"short key", "GET", with("Sec-Websocket-Key", "AAAA"), 400, badRequest, [2]string{}},
		{"old version", "GET", with("Sec-Websocket-Version", "8"), 426,
			page(426, "Upgrade Required", "The request was refused."), [2]string{"Sec-Websocket-Version", "13"}},
		{"HEAD", "HEAD", upgradeHeaders(), 400, "", [2]string{}},
		{"POST", "POST", upgradeHeaders(), 405, "", [2]string{"Allow", "GET, HEAD, OPTIONS"}},
		{"PUT", "PUT", nil, 405, "", [2]string{"Allow", "GET, HEAD, OPTIONS"}},
		{"OPTIONS", "OPTIONS", nil, 200, "", [2]string{"Allow", "GET, HEAD, OPTIONS"}},
		{"other site", "GET", with("Origin", "http://evil.test"), 403,
			page(403, "Forbidden", "The request was refused."), [2]string{}},
		{"same host, other port", "GET", with("Origin", "http://127.0.0.1:1"), 403, "", [2]string{}},
		{"null origin", "GET", with("Origin", "null"), 403, "", [2]string{}},
		{"scheme pattern, other scheme", "GET", with("Origin", "http://app.test"), 403, "", [2]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := handshake(t, httpURL, tc.method, tc.header)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %q", resp.StatusCode, tc.status, body)
			}
			if tc.body != "" && body != tc.body {
				t.Errorf("body %q, want the framework's page %q", body, tc.body)
			}
			if tc.status >= 400 && tc.method != "HEAD" && !strings.Contains(body, fmt.Sprintf("<title>%d - ", tc.status)) {
				t.Errorf("body %q is not the framework's page", body)
			}
			if tc.hdr[0] != "" && resp.Header.Get(tc.hdr[0]) != tc.hdr[1] {
				t.Errorf("%s: %q, want %q", tc.hdr[0], resp.Header.Get(tc.hdr[0]), tc.hdr[1])
			}
		})
	}
	select {
	case <-sv.peers:
		t.Error("a refused handshake reached the Factory")
	default:
	}

	// The origins that are allowed.
	for _, origin := range []string{"", "http://" + host, "https://" + strings.ToUpper(host), "http://chat.example.com", "https://app.test"} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		c := dial(t, sv.url, h)
		sv.peer(t)
		c.CloseNow()
	}
}

func TestOriginAnyPattern(t *testing.T) {
	sv := serve(t, func(res *websocket.Resource) { res.OriginPatterns = []string{"*"} }, nil)
	c := dial(t, sv.url, http.Header{"Origin": {"https://anywhere.test"}})
	sv.peer(t)
	c.CloseNow()
}

func TestMaxConnections(t *testing.T) {
	sv := serve(t, func(res *websocket.Resource) { res.MaxConnections = 2 }, nil)
	a := dial(t, sv.url, nil)
	pa := sv.peer(t)
	dial(t, sv.url, nil)
	sv.peer(t)
	resp, body := handshake(t, sv.srv.URL+"/ws", "GET", upgradeHeaders())
	if resp.StatusCode != http.StatusServiceUnavailable || body != page(503, "Service Unavailable", "The request was refused.") {
		t.Errorf("the third connection got %d %q, want the 503 page", resp.StatusCode, body)
	}
	// A connection that ends gives its place back.
	a.Close(cws.StatusNormalClosure, "")
	pa.waitLost(t)
	dial(t, sv.url, nil)
	sv.peer(t)
}

func TestFactory(t *testing.T) {
	type seen struct {
		prepath []string
		arg     string
		session string
	}
	var mu sync.Mutex
	var views []seen
	root := resource.New()
	root.PutChild("login", &sessionPage{})
	rooms := resource.New()
	root.PutChild("rooms", rooms)
	rooms.PutChild("lobby", websocket.New(func(r *request.Request) (websocket.Protocol, error) {
		mu.Lock()
		views = append(views, seen{r.Prepath(), r.Arg("nick"), r.GetSession().UID()})
		mu.Unlock()
		return websocket.BaseProtocol{}, nil
	}))
	root.PutChild("refuse", websocket.New(func(r *request.Request) (websocket.Protocol, error) {
		return nil, &request.StatusError{Code: http.StatusUnauthorized, Err: errors.New("who are you?")}
	}))
	root.PutChild("nil", websocket.New(func(r *request.Request) (websocket.Protocol, error) { return nil, nil }))
	s := site.New(root)
	s.Logger = discard
	srv := newServer(t, s)
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")

	// The visitor's session, from the page, is the one the handshake sees.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, resp, err := cws.Dial(ctx, wsURL+"/rooms/lobby?nick=ann", &cws.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("the handshake of a visitor with a session set a cookie: %q", sc)
	}

	// A handshake without a cookie gets a session, and its cookie on the 101.
	c, resp, err = cws.Dial(ctx, wsURL+"/rooms/lobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, site.DefaultSessionCookieName+"=") {
		t.Errorf("a handshake that made a session set the cookie %q", cookie)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(views) != 2 {
		t.Fatalf("the factory saw %d handshakes, want 2", len(views))
	}
	if got := views[0]; strings.Join(got.prepath, "/") != "rooms/lobby" || got.arg != "ann" || got.session != string(uid) {
		t.Errorf("the factory saw %+v, want prepath rooms/lobby, nick ann, session %s", got, uid)
	}
	if got := views[1]; got.session == "" || got.session == string(uid) || !strings.Contains(cookie, got.session) {
		t.Errorf("the factory of a visitor without a cookie saw session %q; cookie %q", got.session, cookie)
	}

	for _, tc := range []struct {
		path   string
		status int
	}{{"/refuse", 401}, {"/nil", 500}, {"/rooms/lobby/below", 404}} {
		resp, body := handshake(t, srv.URL+tc.path, "GET", upgradeHeaders())
		if resp.StatusCode != tc.status || !strings.Contains(body, "<html>") {
			t.Errorf("%s: %d %q, want %d and the framework's page", tc.path, resp.StatusCode, body, tc.status)
		}
	}
}

// sessionPage shows the visitor's session id.
type sessionPage struct{ resource.Base }

func (*sessionPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte(r.GetSession().UID()), nil
}

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
