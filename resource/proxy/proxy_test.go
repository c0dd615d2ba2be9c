package proxy_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

func TestForwarding(t *testing.T) {
	up := upstream(t)
	u, _ := url.Parse(up.URL + "/base")
	root := resource.New()
	root.PutChild("proxy", proxy.NewReverseProxy(u))
	xff := proxy.NewReverseProxy(u)
	xff.XForwarded = true
	root.PutChild("xff", xff)
	uq, _ := url.Parse(up.URL + "/base?key=k")
	root.PutChild("withquery", proxy.NewReverseProxy(uq))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	host := strings.TrimPrefix(up.URL, "http://")

	tests := []struct {
		method, target, body, want string
	}{
		{"GET", "/proxy", "", `GET /base ? host=` + host},
		{"GET", "/proxy/", "", `GET /base/ ? host=` + host},
		{"GET", "/proxy/a/b?x=1&y=%20", "", `GET /base/a/b ?x=1&y=%20 host=`},
		{"GET", "/proxy/sp%20ace/a:b", "", `GET /base/sp%20ace/a%3Ab ?`},
		{"GET", "/withquery/x?y=2", "", `GET /base/x ?key=k&y=2`},
		{"GET", "/withquery/x", "", `GET /base/x ?key=k `},
		{"POST", "/proxy/form", "a=1&b=2", `POST /base/form ? host=` + host + ` test="t" xff="" body="a=1&b=2"`},
		{"DELETE", "/proxy/thing", "", `DELETE /base/thing ?`},
		{"GET", "/xff/x", "", `xff="127.0.0.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp, b := testutil.Do(t, srv, tt.method, tt.target, strings.NewReader(tt.body),
				"X-Test", "t", "X-Forwarded-For", "6.6.6.6") // X-Forwarded-For is never passed on
			if resp.StatusCode != 201 || !strings.Contains(b, tt.want) {
				t.Errorf("got %d %q, want 201 containing %q", resp.StatusCode, b, tt.want)
			}
			if resp.Header.Get("X-Upstream") != "yes" || resp.Header.Get("Content-Type") != "text/plain; charset=us-ascii" {
				t.Errorf("upstream headers lost: %v", resp.Header)
			}
		})
	}
}

// With XForwarded, the upstream is told of the client as the Site sees it.
// Behind a proxy the Site trusts (Site.TrustProxyHeaders), that is the
// client that proxy reported, not the proxy itself: the forwarded headers
// once described the hop (the proxy's address, its Host, plain http), so
// an upstream behind two proxies logged the wrong address and built http
// URLs for a client on https.
func TestXForwardedTrusted(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "for=%q host=%q proto=%q", req.Header.Values("X-Forwarded-For"),
			req.Header.Values("X-Forwarded-Host"), req.Header.Values("X-Forwarded-Proto"))
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/base")
	p := proxy.NewReverseProxy(u)
	p.XForwarded = true
	front := func(trust bool) *httptest.Server {
		_, srv := testutil.Serve(t, p, testutil.Quiet, func(s *site.Site) { s.TrustProxyHeaders = trust })
		return srv
	}
	claims := []string{"X-Forwarded-For", "6.6.6.6, 10.0.0.7", "X-Forwarded-Host", "public.example",
		"X-Forwarded-Proto", "https"}
	tests := []struct {
		name  string
		trust bool
		want  string
	}{
		{"trusted", true, `for=["10.0.0.7"] host=["public.example"] proto=["https"]`},
		{"untrusted", false, `for=["127.0.0.1"] host=["front.example"] proto=["http"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := front(tt.trust)
			req := testutil.NewRequest(t, "GET", srv.URL+"/x", nil, claims...)
			req.Host = "front.example"
			resp, body := testutil.Send(t, srv.Client(), req)
			if resp.StatusCode != 200 || body != tt.want {
				t.Errorf("got %d %s, want %s", resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestStreaming(t *testing.T) {
	up := upstream(t)
	u, _ := url.Parse(up.URL + "/base")
	_, srv := testutil.Serve(t, proxy.NewReverseProxy(u), testutil.Quiet)
	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Errorf("first event = %q, %v", line, err)
	}
	resp.Body.Close() // the client leaves; the upstream request is cancelled
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	u, _ := url.Parse("http://" + addr + "/base")
	root := resource.New()
	root.PutChild("proxy", proxy.NewReverseProxy(u))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	for _, m := range []string{"GET", "HEAD", "POST"} {
		resp, b := testutil.Do(t, srv, m, "/proxy/x", nil)
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("%s: status %d, want 502", m, resp.StatusCode)
		}
		if m != "HEAD" && !strings.Contains(b, "<title>502 - Bad Gateway</title>") {
			t.Errorf("%s: body %q", m, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", m, ct)
		}
	}
}

// An upstream that does not answer in time gives 504 Gateway Timeout
// (RFC 9110 §15.6.5), not the 502 of an upstream that failed: the
// transport's timeouts (ResponseHeaderTimeout here; a dial or TLS
// handshake timeout alike) say the upstream was too slow.
func TestUpstreamTimeout(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		<-req.Context().Done() // never answers; the proxy's transport gives up
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/base")
	p := proxy.NewReverseProxy(u)
	tr := &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}
	t.Cleanup(tr.CloseIdleConnections)
	p.Proxy.Transport = tr
	root := resource.New()
	root.PutChild("proxy", p)
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	for _, m := range []string{"GET", "HEAD"} {
		resp, b := testutil.Do(t, srv, m, "/proxy/x", nil)
		if resp.StatusCode != http.StatusGatewayTimeout {
			t.Errorf("%s: status %d, want 504", m, resp.StatusCode)
		}
		if m == "GET" && !strings.Contains(b, "<title>504 - Gateway Timeout</title>") {
			t.Errorf("%s: body %q", m, b)
		}
	}
}

func TestNewPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a relative upstream did not panic")
		}
	}()
	proxy.NewReverseProxy(&url.URL{Path: "/x"})
}

// An HTTP/2 request's :path may hold a space, which net/http accepts in
// the query; an HTTP/1.1 request line cannot carry one (RFC 9112 §3), so
// forwarded raw it once split the upstream's request line ("GET
// /base/x?a=1 HTTP/1.0 HTTP/1.1"), which a strict upstream refuses and a
// lax one misreads. The space is forwarded percent-encoded.
func TestQuerySpaceFromHTTP2(t *testing.T) {
	up := upstream(t)
	u, _ := url.Parse(up.URL + "/base")
	root := resource.New()
	root.PutChild("proxy", proxy.NewReverseProxy(u))
	_, srv := testutil.ServeHTTP2(t, root, testutil.Quiet)
	tests := []struct{ path, want string }{
		{"/proxy/x?a=1 b", `GET /base/x ?a=1%20b host=`},
		{"/proxy/x?a=1 HTTP/1.0 ", `GET /base/x ?a=1%20HTTP/1.0%20 host=`},
		{"/proxy/sp ace?q= ", `GET /base/sp%20ace ?q=%20 host=`},
		{"/proxy/x?a=1+b", `GET /base/x ?a=1+b host=`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := testutil.NewRequest(t, "GET", srv.URL+"/", nil)
			req.URL.Opaque = tt.path // sent as the :path, as it is
			resp, body := testutil.Send(t, srv.Client(), req)
			if resp.ProtoMajor != 2 || resp.StatusCode != 201 || !strings.HasPrefix(body, tt.want) {
				t.Errorf("%s %d %q, want HTTP/2 201 starting %q", resp.Proto, resp.StatusCode, body, tt.want)
			}
		})
	}
}
