package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

// A client that stops sending the body it forwards is cut after the Site's
// BodyIdleTimeout with a 408 page, and the upstream sees its request end
// short instead of waiting for ever.
func TestBodyIdleTimeout(t *testing.T) {
	upstreamErr := make(chan error, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, err := io.ReadAll(req.Body)
		upstreamErr <- err
		if err != nil {
			panic(http.ErrAbortHandler) // no answer: the proxy's own must show
		}
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/base")
	_, srv := testutil.Serve(t, proxy.NewReverseProxy(u), testutil.Quiet,
		func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })

	text := testutil.Raw(t, srv, "POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\nhello")
	resp, body := testutil.ParseResponse(t, text, "POST")
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive in time") || !resp.Close {
		t.Errorf("got %d close=%v %q, want the 408 page and the connection closed", resp.StatusCode, resp.Close, body)
	}
	if err := testutil.Receive(t, upstreamErr, 10*time.Second, "the upstream's read never ended"); err == nil {
		t.Error("the upstream read a whole body, want the forwarded request cut short")
	}
}

// The same over HTTP/2: the stream is cut with the 408 page, and the
// upstream's transport, which may read the body after the handler has
// returned, never touches the finished stream's writer (net/http's HTTP/2
// writer panics if it does).
func TestBodyIdleTimeoutHTTP2(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := io.ReadAll(req.Body); err != nil {
			panic(http.ErrAbortHandler)
		}
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/base")
	_, srv := testutil.ServeHTTP2(t, proxy.NewReverseProxy(u), testutil.Quiet,
		func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })

	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("only a part"))
	resp, body := testutil.Do(t, srv, "PUT", "/upload", pr)
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive in time") {
		t.Errorf("%s: %d %q, want the 408 page over HTTP/2", resp.Proto, resp.StatusCode, body)
	}
}
