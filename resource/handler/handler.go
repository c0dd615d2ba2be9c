// Package handler mounts any [http.Handler] in a resource tree, as Twisted's
// twisted.web.wsgi mounts a WSGI application.
//
// A [Resource] is a leaf: traversal stops at it, and the handler sees the
// rest of the path. Its request's URL path is "/" followed by the segments
// traversal left in the postpath, joined with "/" ("/" when none remain),
// with the client's escaping kept, so that "%2F" inside a segment stays
// "%2F"; the query is unchanged. The part of the path that traversal
// consumed (WSGI's SCRIPT_NAME) is available from [Prefix], and the
// framework's [request.Request], for sessions and the rest, from [Request].
//
// A ServeMux, any third-party router or an httputil.ReverseProxy can be
// mounted anywhere in the tree:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /hello", hello)
//	root.PutChild("app", handler.New(mux)) // GET /app/hello runs hello
//
// As under [http.StripPrefix], the handler does not know where it is
// mounted unless it asks [Prefix]: a path it builds from its request's URL
// leaves the mount point. The redirects a ServeMux sends to add a
// trailing slash or clean a path do ("/app/static" for a pattern "/static/"
// is sent to "/static/", outside "/app"), as does [http.Redirect] given a
// relative URL. Register the path without the slash too, and build
// Locations with Prefix.
//
// # Responses
//
// The handler writes through [request.Request.ResponseWriter], so its status
// and byte count reach the Site's access log and its session cookies go out.
// Its responses follow net/http's rules: a small response is sent with a
// Content-Length; Flush sends at once; when the handler sets no
// Content-Type, one is sniffed from the body with [http.DetectContentType]
// instead of the framework's default text/html (under resource/gzip, from
// its first Write, before compression), and an empty body gets none. A
// handler under resource/gzip that calls WriteHeader before its first
// Write gets none either when the body is compressed, since the headers
// go out before the body is seen: set the Content-Type.
//
// # Bodies
//
// The request body is handed to the handler unread, so it streams; the
// Site's MaxRequestBodySize does not apply to it (wrap the handler in
// [http.MaxBytesHandler] to limit it), but its BodyIdleTimeout does: the
// handler's Request.Body is [request.Request.Body], whose reads fail with
// a 408 [request.StatusError] once the client has sent nothing for that
// long, and the connection is then closed. A handler that returns without
// answering after that (the reverse proxy does) leaves the client the
// framework's 408 page.
package handler

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Resource is a leaf resource that answers every request below it with an
// http.Handler. Make one with New. It is safe for concurrent use if the
// handler is.
type Resource struct {
	resource.Leaf
	h    http.Handler
	node // what the inspector sees
}

// node lets the inspector (resource/inspect) show the handler's type,
// through package introspect; it adds nothing to Resource's API.
type node = introspect.Node

var _ resource.Renderer = (*Resource)(nil)

// New returns a leaf resource that serves the rest of the path with h. It
// panics if h is nil.
func New(h http.Handler) *Resource {
	if h == nil {
		panic("handler: New(nil)")
	}
	m := &Resource{h: h}
	introspect.SetDescribe(&m.node, m.describe)
	return m
}

// describe tells the inspector the handler's type.
func (m *Resource) describe(info *introspect.Info) {
	info.Kind = "mounted handler"
	info.Notes = []string{"handler " + introspect.TypeName(m.h) + ": it answers every path below"}
}

// Handler returns the mounted handler.
func (m *Resource) Handler() http.Handler { return m.h }

// Render runs the handler for every method, writing through the
// Request's ResponseWriter; the response ends when the handler returns.
// If the handler panics before anything was sent, the headers it set are
// dropped and the panic gives the Site's failure page; a panic with
// http.ErrAbortHandler abandons the response, as net/http does.
func (m *Resource) Render(r *request.Request) ([]byte, error) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler && !r.HeadersSent() {
				clear(r.ResponseHeader())
				r.SetResponseCode(http.StatusOK)
			}
			panic(v)
		}
	}()
	in := r.Body()
	if in == http.NoBody {
		m.h.ServeHTTP(r.ResponseWriter(), rewrite(r, in))
		return nil, nil
	}
	body := &watchedBody{ReadCloser: in}
	m.h.ServeHTTP(r.ResponseWriter(), rewrite(r, body))
	if !r.HeadersSent() && (body.cut.Load() || !body.whole.Load() && r.Context().Err() != nil) {
		// The body was cut, or the request's context ended while the
		// body was still coming: net/http cancels the context when the
		// cut read fails, and the handler (the proxy's transport) may
		// have seen that first, and given up before the read's error
		// was recorded. Either way a client still there gets the 408
		// page, not an empty 200 for a body it did not finish sending.
		return nil, &request.StatusError{Code: http.StatusRequestTimeout, Err: request.ErrBodyTimeout}
	}
	return nil, nil
}

// watchedBody is the body a mounted handler reads. It records whether the
// Site's idle timeout cut it, and whether it was read to its end.
type watchedBody struct {
	io.ReadCloser
	// Both are read by Render while the handler's transport may still read.
	cut   atomic.Bool
	whole atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.whole.Store(true)
	case err != nil && errors.Is(err, request.ErrBodyTimeout):
		b.cut.Store(true)
	}
	return n, err
}

type ctxKey struct{}

// rewrite returns the *http.Request a mounted handler sees: a shallow copy
// of r's, whose URL path is "/" plus the postpath (see the package
// documentation), whose body is body (r.Body, cut when the client stops
// sending), and whose context carries r for Prefix and Request. net/http's
// own request keeps its body: the server looks at it when the response
// starts before the body was read.
func rewrite(r *request.Request, body io.ReadCloser) *http.Request {
	in := r.HTTPRequest()
	out := in.WithContext(context.WithValue(in.Context(), ctxKey{}, r))
	out.Body = body
	u := *in.URL
	n := len(r.Prepath())
	if in.URL.RawPath == "" {
		_, u.Path = splitAt(in.URL.Path, n)
	} else {
		var raw string
		_, raw = splitAt(in.URL.RawPath, n)
		if raw == "" {
			raw = "/"
		}
		u.RawPath = raw
		u.Path = "/" + strings.Join(r.Postpath(), "/")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	out.URL = &u
	return out
}

// splitAt splits the path p after its first n segments: head holds them,
// tail the rest, starting with "/" (or "" when nothing remains).
func splitAt(p string, n int) (head, tail string) {
	if n == 0 || p == "" {
		return "", p
	}
	i := 0
	if p[0] != '/' {
		i = -1
	}
	for k := 0; k < n; k++ {
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			return p, ""
		}
		i += 1 + j
	}
	return p[:i], p[i:]
}

// Request returns the framework's Request for a request that a mounted
// handler received, or nil if req did not come through a Resource.
func Request(req *http.Request) *request.Request {
	r, _ := req.Context().Value(ctxKey{}).(*request.Request)
	return r
}

// Prefix returns the path at which the handler serving req is mounted (the
// consumed part of the request path, WSGI's SCRIPT_NAME), escaped as the
// client sent it, without a trailing slash unless the mount point is the
// root's "" child: "/app" for a handler mounted as the child "app" of the
// root. It returns "" if req did not come through a Resource.
func Prefix(req *http.Request) string {
	r := Request(req)
	if r == nil {
		return ""
	}
	orig := r.HTTPRequest().URL
	head, _ := splitAt(orig.EscapedPath(), len(r.Prepath()))
	return head
}
