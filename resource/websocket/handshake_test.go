package websocket_test

// Tests of the opening handshake: what is refused, and with which page;
// origins, the connection cap, and the factory that sees the request.

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

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

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
		hdr    []string // headers the response must carry: name, value, ...
	}{
		{"plain GET", "GET", nil, 400, badRequest, nil},
		{"no Upgrade", "GET", with("Upgrade", ""), 400, badRequest, nil},
		{"Upgrade: h2c", "GET", with("Upgrade", "h2c"), 400, badRequest, nil},
		{"no Connection: Upgrade", "GET", with("Connection", "keep-alive"), 400, badRequest, nil},
		{"no key", "GET", with("Sec-Websocket-Key", ""), 400, badRequest, nil},
		{"short key", "GET", with("Sec-Websocket-Key", "AAAA"), 400, badRequest, nil},
		{"old version", "GET", with("Sec-Websocket-Version", "8"), 426,
			page(426, "Upgrade Required", "The request was refused."),
			// RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to.
			[]string{"Sec-Websocket-Version", "13", "Upgrade", "websocket", "Connection", "Upgrade"}},
		{"HEAD", "HEAD", upgradeHeaders(), 400, "", nil},
		{"POST", "POST", upgradeHeaders(), 405, "", []string{"Allow", "GET, HEAD, OPTIONS"}},
		{"PUT", "PUT", nil, 405, "", []string{"Allow", "GET, HEAD, OPTIONS"}},
		{"OPTIONS", "OPTIONS", nil, 200, "", []string{"Allow", "GET, HEAD, OPTIONS"}},
		{"other site", "GET", with("Origin", "http://evil.test"), 403,
			page(403, "Forbidden", "The request was refused."), nil},
		{"same host, other port", "GET", with("Origin", "http://127.0.0.1:1"), 403, "", nil},
		{"null origin", "GET", with("Origin", "null"), 403, "", nil},
		{"scheme pattern, other scheme", "GET", with("Origin", "http://app.test"), 403, "", nil},
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
			for i := 0; i < len(tc.hdr); i += 2 {
				if got := resp.Header.Get(tc.hdr[i]); got != tc.hdr[i+1] {
					t.Errorf("%s: %q, want %q", tc.hdr[i], got, tc.hdr[i+1])
				}
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
	if resp.StatusCode != http.StatusServiceUnavailable || body != page(503, "Service Unavailable", "The service is temporarily unavailable. Please try again shortly.") {
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
	_, srv := testutil.Serve(t, root, testutil.Quiet)
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

func TestSubprotocols(t *testing.T) {
	// A client that offers subprotocols gets the first of the Resource's
	// that it offers, in the Resource's order of preference, and the
	// Protocol sees which. Browsers drop a connection whose handshake
	// offered subprotocols and whose answer names none, so a Resource
	// that did not choose could never serve them.
	sv := serve(t, func(res *websocket.Resource) { res.Subprotocols = []string{"v2.chat", "chat"} }, nil)
	for _, tc := range []struct {
		offer []string
		want  string
	}{
		{[]string{"chat", "v2.chat"}, "v2.chat"},
		{[]string{"other", "chat"}, "chat"},
		{[]string{"other"}, ""},
		{nil, ""},
	} {
		c := dialWith(t, sv.url, &cws.DialOptions{Subprotocols: tc.offer})
		p := sv.peer(t)
		if got := c.Subprotocol(); got != tc.want {
			t.Errorf("offering %q, the client got subprotocol %q, want %q", tc.offer, got, tc.want)
		}
		if got := p.t.Subprotocol(); got != tc.want {
			t.Errorf("offering %q, the Protocol saw subprotocol %q, want %q", tc.offer, got, tc.want)
		}
		c.CloseNow()
	}

	// A Resource without Subprotocols chooses none.
	sv = serve(t, nil, nil)
	c := dialWith(t, sv.url, &cws.DialOptions{Subprotocols: []string{"chat"}})
	if p := sv.peer(t); c.Subprotocol() != "" || p.t.Subprotocol() != "" {
		t.Errorf("a Resource without Subprotocols chose %q (the Protocol saw %q)", c.Subprotocol(), p.t.Subprotocol())
	}
}

func TestHTTP2(t *testing.T) {
	// Over HTTP/2 there is no handshake to answer: a GET gets the 400 page,
	// as over HTTP/1.1, and a request with the upgrade headers is refused
	// by net/http. A client still connects on an HTTP/1.1 connection of
	// its own to the same server.
	root := resource.New()
	root.PutChild("ws", websocket.New(func(r *request.Request) (websocket.Protocol, error) { return websocket.BaseProtocol{}, nil }))
	_, srv := testutil.ServeHTTP2(t, root, testutil.Quiet)
	client := srv.Client()
	for _, h := range []http.Header{nil, {"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}} {
		req := testutil.NewRequest(t, "GET", srv.URL+"/ws", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, body := testutil.Send(t, client, req)
		if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<title>400 - Bad Request</title>") {
			t.Errorf("a GET over HTTP/2 with %v got %s %d %q, want the 400 page over HTTP/2", h, resp.Proto, resp.StatusCode, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, _, err := cws.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https")+"/ws", &cws.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("dial over TLS beside HTTP/2: %v", err)
	}
	c.Close(cws.StatusNormalClosure, "")
}
