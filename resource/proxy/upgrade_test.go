package proxy_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

// echoUpstream is a WebSocket server that echoes each message.
func echoUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(req.Context())
			if err != nil {
				return
			}
			if err := c.Write(req.Context(), typ, append([]byte("echo "), msg...)); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// dialThrough serves a Site whose child "proxy" forwards to a WebSocket
// echo server, and dials a WebSocket through it. ctx bounds the test's
// reads and writes.
func dialThrough(t *testing.T, ctx context.Context) (*site.Site, *websocket.Conn) {
	t.Helper()
	up := echoUpstream(t)
	u, _ := url.Parse(up.URL + "/base")
	root := resource.New()
	root.PutChild("proxy", proxy.NewReverseProxy(u))
	s, srv := testutil.Serve(t, root, testutil.Quiet)
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/proxy/ws", nil)
	if err != nil {
		if resp != nil {
			t.Fatalf("dial: %v (status %d, header %v)", err, resp.StatusCode, resp.Header)
		}
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return s, c
}

// A WebSocket handshake goes through the proxy as httputil.ReverseProxy
// passes any upgrade: the upstream's 101 reaches the client with its
// headers (Upgrade, Connection, Sec-WebSocket-Accept), which RFC 6455
// §4.1 requires the client to check. The 101 once came with no header at
// all, so that every WebSocket client refused it.
func TestWebSocketThrough(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, c := dialThrough(t, ctx)
	for _, msg := range []string{"one", "two"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != "echo "+msg {
			t.Fatalf("read %q, %v; want %q", got, err, "echo "+msg)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// Site.Close ends a proxied WebSocket, as it ends every hijacked
// connection: the proxy once kept copying until the client or the
// upstream left.
func TestWebSocketSiteClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, c := dialThrough(t, ctx)
	s.Close()
	if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("read after Site.Close: %v (context: %v); want the connection closed", err, ctx.Err())
	}
}
