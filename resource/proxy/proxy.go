// Package proxy forwards requests to another HTTP server, as Twisted's
// twisted.web.proxy.ReverseProxyResource does, on top of
// [httputil.ReverseProxy].
//
//	upstream, _ := url.Parse("http://127.0.0.1:8081/app")
//	root.PutChild("app", proxy.NewReverseProxy(upstream))
//	// GET /app/a/b?x=1 is fetched as http://127.0.0.1:8081/app/a/b?x=1
//
// A [ReverseProxy] is a leaf: each segment left in the postpath extends
// the upstream path by "/" and the segment, percent-encoded as one segment,
// as each child of Twisted's ReverseProxyResource does. The method, the
// query, the headers (less the hop-by-hop ones) and the body are forwarded,
// the body streaming; the Host header is the upstream's. The upstream's
// status, headers and body come back as they are, streamed through the
// Request so that the access log sees them. An upgrade, such as a
// WebSocket handshake, passes through: the upstream's 101 Switching
// Protocols with its headers, then the connection's bytes both ways until
// either side closes it or the Site closes.
//
// The forwarded path never leaves the upstream's prefix: a request whose
// remaining path holds a segment that, decoded, is "." or "..", or holds a
// "/", a "\" or a NUL (so "..", "%2e%2e", ".%2E", "..%2F" and "a%2Fb" alike),
// gets 400 Bad Request and is not forwarded. An upstream that resolves dot
// segments, or decodes "%2F" before it splits the path, or takes "\" for
// "/", could otherwise be led to a path outside the prefix.
//
// If the upstream cannot be reached, or fails before it answers, the client
// gets 502 Bad Gateway (RFC 9110 §15.6.3), where Twisted answers
// 501 "Gateway error"; if it does not answer in time (a timeout of the
// Proxy's Transport: dialling, the TLS handshake, or its
// ResponseHeaderTimeout), 504 Gateway Timeout (§15.6.5). A client that
// stops sending its body for the Site's BodyIdleTimeout gets 408, and its
// connection is closed (see [request.Request.Body]). The body is not held
// by the Site, so the Site's MaxRequestBodySize does not bound it: the
// upstream applies its own limit, as it would to a client of its own.
package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/handler"
)

// ReverseProxy is a leaf resource that forwards every request below it to
// an upstream server. Make one with NewReverseProxy; set its fields before
// serving. It is safe for concurrent use.
type ReverseProxy struct {
	resource.Leaf

	// Proxy does the forwarding. Its Transport, FlushInterval, BufferPool,
	// ModifyResponse and ErrorLog may be set before serving; its Rewrite
	// and ErrorHandler belong to the ReverseProxy and must not be
	// replaced. A failure before the upstream answers goes to the Site's
	// logger (Request.Logger) with the 502 or 504 page; what httputil
	// logs itself, such as a body copy that failed once the answer had
	// begun, goes to ErrorLog, the log package's standard logger when nil.
	// To send it to a slog.Logger, set ErrorLog to
	// slog.NewLogLogger(logger.Handler(), slog.LevelWarn).
	Proxy *httputil.ReverseProxy

	// XForwarded adds X-Forwarded-For, X-Forwarded-Host and
	// X-Forwarded-Proto headers describing the client's request as the
	// Site sees it (Request.ClientAddr, Host and IsSecure): behind a proxy
	// the Site trusts (Site.TrustProxyHeaders), the client that proxy
	// reported. Twisted adds none; off by default. Incoming X-Forwarded
	// headers are never passed on.
	XForwarded bool

	upstream *url.URL
	mount    *handler.Resource
}

var _ resource.Renderer = (*ReverseProxy)(nil)

// NewReverseProxy returns a resource that forwards requests to upstream, an
// absolute http or https URL whose path is the prefix of every forwarded
// path and whose query, if any, comes before the request's. It panics if
// upstream has no scheme or host.
func NewReverseProxy(upstream *url.URL) *ReverseProxy {
	if upstream == nil || upstream.Scheme == "" || upstream.Host == "" {
		panic("proxy: NewReverseProxy needs an absolute upstream URL")
	}
	u := *upstream
	p := &ReverseProxy{upstream: &u}
	p.Proxy = &httputil.ReverseProxy{Rewrite: p.rewrite, ErrorHandler: p.fail}
	p.mount = handler.New(http.HandlerFunc(p.serve))
	return p
}

// serve forwards one request with p.Proxy. An upgrade (a WebSocket)
// outlives its response: httputil hijacks the client's connection and
// copies both ways until the upstream request's context ends, and nothing
// but the Request's end, when the Site closes, says that the connection
// must go. So the upstream request's context of an upgrade ends then too.
func (p *ReverseProxy) serve(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Upgrade") != "" {
		ctx, cancel := context.WithCancel(req.Context())
		defer cancel()
		finished := handler.Request(req).NotifyFinish()
		go func() {
			select {
			case <-finished:
				cancel()
			case <-ctx.Done():
			}
		}()
		req = req.WithContext(ctx)
	}
	p.Proxy.ServeHTTP(w, req)
}

// Upstream returns a copy of the upstream URL.
func (p *ReverseProxy) Upstream() *url.URL {
	u := *p.upstream
	return &u
}

// Render forwards the request and streams the upstream's answer back, and
// returns resource.NotDoneYet; or, when a segment of the remaining path
// could leave the upstream's prefix, it returns a 400 StatusError without
// forwarding anything.
func (p *ReverseProxy) Render(r *request.Request) ([]byte, error) {
	for _, seg := range r.Postpath() {
		if leaves(seg) {
			return nil, &request.StatusError{Code: http.StatusBadRequest, Err: errLeavesPrefix}
		}
	}
	return p.mount.Render(r)
}

var errLeavesPrefix = errors.New("proxy: a path segment could leave the upstream's prefix")

// leaves reports whether the decoded segment seg could take a forwarded
// path out of the upstream's prefix: "." or "..", or a name with "/", "\"
// or NUL in it, which some upstreams split on or stop at.
func leaves(seg string) bool {
	return seg == "." || seg == ".." || strings.ContainsAny(seg, "/\\\x00")
}

// rewrite builds the upstream request.
func (p *ReverseProxy) rewrite(pr *httputil.ProxyRequest) {
	r := handler.Request(pr.In)
	up := p.upstream
	out := pr.Out.URL
	out.Scheme, out.Host = up.Scheme, up.Host
	// Built in one pass: appending to a string per segment would copy the
	// path once per segment, quadratic in a long path.
	var path, raw strings.Builder
	path.WriteString(up.Path)
	raw.WriteString(up.EscapedPath())
	for _, seg := range r.Postpath() {
		path.WriteByte('/')
		path.WriteString(seg)
		raw.WriteByte('/')
		raw.WriteString(request.QuoteSegment(seg))
	}
	out.Path, out.RawPath = path.String(), raw.String()
	if out.EscapedPath() != out.RawPath {
		out.RawPath = ""
	}
	// An HTTP/2 client may send a space in the query, which net/http
	// accepts there; an HTTP/1.1 request line cannot carry one (RFC 9112
	// §3), so it goes as "%20", which means the same.
	switch q := strings.ReplaceAll(pr.In.URL.RawQuery, " ", "%20"); {
	case up.RawQuery == "":
		out.RawQuery = q
	case q == "":
		out.RawQuery = up.RawQuery
	default:
		out.RawQuery = up.RawQuery + "&" + q
	}
	pr.Out.Host = "" // the upstream's host
	if p.XForwarded {
		setXForwarded(pr.Out.Header, r)
	}
}

// setXForwarded describes the client to the upstream as the Site sees it
// (as httputil.ProxyRequest.SetXForwarded does from the connection): behind
// a proxy the Site trusts, the client that proxy reported, not the proxy.
func setXForwarded(h http.Header, r *request.Request) {
	if addr := r.ClientAddr(); addr != "-" {
		h.Set("X-Forwarded-For", addr)
	}
	if host := r.Host(); host != "" {
		h.Set("X-Forwarded-Host", host)
	}
	proto := "http"
	if r.IsSecure() {
		proto = "https"
	}
	h.Set("X-Forwarded-Proto", proto)
}

// The pages for an upstream that could not be reached or failed, and for
// one that did not answer in time.
var (
	badGateway     = resource.ErrorPage(http.StatusBadGateway, "Bad Gateway", "Could not connect")
	gatewayTimeout = resource.ErrorPage(http.StatusGatewayTimeout, "Gateway Timeout", "The upstream server did not answer in time")
)

// fail answers a request whose upstream failed before answering: 504 when
// the transport timed out (dialling, the TLS handshake, or waiting for the
// response's headers), else 502.
func (p *ReverseProxy) fail(w http.ResponseWriter, req *http.Request, err error) {
	r := handler.Request(req)
	if req.Context().Err() != nil || errors.Is(err, request.ErrBodyTimeout) {
		// The client went away, or stopped sending its body (net/http
		// then cancels the context too, and the transport may report
		// either): the mount answers the second with its 408 page.
		return
	}
	r.Logger().Warn("proxy: upstream failed", "uri", r.URI(), "upstream", p.upstream.Redacted(), "err", err)
	page := badGateway
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		page = gatewayTimeout
	}
	body, _ := page.Render(r)
	w.WriteHeader(page.Code())
	_, _ = w.Write(body)
}
