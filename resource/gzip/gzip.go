// Package gzip compresses the responses of a resource for clients that
// accept gzip, as Twisted's EncodingResourceWrapper with a
// GzipEncoderFactory does.
//
//	root.PutChild("report", gzip.Wrap(report))
//
// [Wrap] wraps one resource: its children are found through it but are not
// wrapped, as in Twisted. When the request's Accept-Encoding accepts gzip,
// the response body is compressed, whether the resource returns it from a
// render method or writes it later (resource.NotDoneYet, static.File), and
// gets Content-Encoding: gzip. A body a render method returns is compressed
// whole before the headers go out and declares its compressed length; one
// written later is compressed as it is written and loses its
// Content-Length, as in Twisted (which sends even the first kind without
// one). Every response gets Vary: Accept-Encoding.
// A response that already has a Content-Encoding, and one without a body,
// are not compressed; Twisted would compress the first again. A strong
// ETag on a compressed response, or on a 304 to a client that accepts
// gzip, is made weak, since the compressed bytes are not the identity ones
// (RFC 9110 §8.8.3; nginx does the same, Twisted leaves the tag alone).
// If-None-Match still matches it; If-Match, which compares strongly, does
// not: a resource whose writes check If-Match against the tags its GETs
// give should not be wrapped.
//
// A mounted http.Handler (resource/handler) that sets no Content-Type has
// one sniffed from its first Write, before compression, as net/http would
// sniff it from the body (net/http sniffs no body with a
// Content-Encoding). One that calls WriteHeader before its first Write
// gets no Content-Type when its body is compressed: the headers then go
// out before any of the body is seen, and the Request does not hold them
// back. Such a handler should set its Content-Type.
//
// # Ranges
//
// A byte range of the identity body is no range of the compressed one, and
// a client that resumes a compressed download (Range: bytes=N-, with
// If-Range: the Last-Modified it was given, or none) splices what it gets
// onto the compressed bytes it has. So a client that accepts gzip is
// served no ranges, as nginx does: the wrapper removes Range and If-Range
// from its request before the wrapped resource renders, which then sends
// the whole body (compressed, with 200), and removes Accept-Ranges from
// the response. If-None-Match and If-Modified-Since work as before. A
// client that does not accept gzip keeps its ranges; browsers ask for
// media and resume downloads with Accept-Encoding: identity. The price is
// paid by a wrapped resource whose body is not compressed (one already
// encoded, such as a static.File "a.tar.gz"): it too serves no ranges to
// clients that accept gzip. A partial (206) response, which only a
// resource that ignores the request's headers makes, is sent as it is.
// Twisted's wrapper compresses the part a 206 carries and keeps its
// Content-Range, which then counts identity bytes.
package gzip

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gotwisted/web/internal/header"
	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Wrapper is a resource that compresses what the resource it wraps
// renders. Make one with Wrap; set Level before serving. It is safe for
// concurrent use if the wrapped resource is.
type Wrapper struct {
	// Level is the compression level, from gzip.BestSpeed to
	// gzip.BestCompression; zero means gzip.DefaultCompression (Twisted
	// uses 9, gzip.BestCompression).
	Level int

	res   resource.Resource
	pools [gzip.BestCompression + 3]sync.Pool // *gzip.Writer by level+2
	node                                      // what the inspector sees
}

// node lets the inspector (resource/inspect) walk into the wrapped
// resource, through package introspect; it adds nothing to Wrapper's API.
type node = introspect.Node

var (
	_ resource.Resource    = (*Wrapper)(nil)
	_ resource.ChildGetter = (*Wrapper)(nil)
	_ resource.Renderer    = (*Wrapper)(nil)
)

// Wrap returns a resource that renders as res, compressed when the client
// accepts gzip. It panics if res is nil.
func Wrap(res resource.Resource) *Wrapper {
	if res == nil {
		panic("gzip: Wrap(nil)")
	}
	w := &Wrapper{res: res}
	introspect.SetDescribe(&w.node, w.describe)
	return w
}

// describe tells the inspector the wrapped resource.
func (w *Wrapper) describe(info *introspect.Info) {
	info.Kind = "gzip wrapper"
	info.Links = []introspect.Child{{Name: "wrapped", Res: w.res}}
}

// Unwrap returns the wrapped resource.
func (w *Wrapper) Unwrap() resource.Resource { return w.res }

// IsLeaf reports whether the wrapped resource is a leaf.
func (w *Wrapper) IsLeaf() bool { return w.res.IsLeaf() }

// ChildWithDefault returns the wrapped resource's static child, unwrapped.
func (w *Wrapper) ChildWithDefault(name string, r *request.Request) resource.Resource {
	return w.res.ChildWithDefault(name, r)
}

// PutChild gives the wrapped resource a child.
func (w *Wrapper) PutChild(name string, child resource.Resource) { w.res.PutChild(name, child) }

// GetChild returns the wrapped resource's dynamic child, unwrapped, if it
// has dynamic children.
func (w *Wrapper) GetChild(name string, r *request.Request) (resource.Resource, error) {
	if g, ok := w.res.(resource.ChildGetter); ok {
		return g.GetChild(name, r)
	}
	return nil, nil
}

// Render renders the wrapped resource with resource.Render, with a body
// filter on the Request that compresses the body if the client accepts
// gzip. For such a client the request's Range and If-Range headers are
// removed first: the wrapped resource would cut its range from the
// identity body, which is no range of the compressed one.
func (w *Wrapper) Render(r *request.Request) ([]byte, error) {
	if h := r.HTTPRequest().Header; Accepts(h) {
		// The one change the framework makes to the request it was
		// given (see Request.HTTPRequest): traversal does not read these
		// headers, nor does net/http after the handler.
		delete(h, "Range")
		delete(h, "If-Range")
		r.SetBodyFilter(w.filter)
	} else {
		r.SetBodyFilter(varyOnly)
	}
	return resource.Render(w.res, r)
}

// varyOnly is the body filter for clients that do not accept gzip: the
// response says it varies with Accept-Encoding, and is sent as it is.
func varyOnly(h http.Header, _ int, _ io.Writer) io.WriteCloser {
	addVary(h)
	return nil
}

// filter decides, when the headers are about to be sent, whether the body
// is compressed, and returns the compressing writer. The client accepts
// gzip, so Render took its Range away: whether or not this body is
// compressed, no response to it may say that ranges are served.
func (w *Wrapper) filter(h http.Header, code int, dst io.Writer) io.WriteCloser {
	addVary(h) // here, not before rendering, so that the resource cannot drop it
	h.Del("Accept-Ranges")
	if code == http.StatusNotModified {
		// It stands for the compressed body this client would be sent,
		// and carries that body's tag (RFC 9110 §15.4.5).
		weakenETag(h)
	}
	if !bodyAllowed(code) || code == http.StatusPartialContent || h.Get("Content-Range") != "" ||
		h.Get("Content-Length") == "0" {
		return nil
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil // already encoded: no double encoding
	}
	level := w.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if level < gzip.HuffmanOnly || level > gzip.BestCompression {
		return nil // an invalid Level: send the body as it is
	}
	pool := &w.pools[level+2]
	zw, _ := pool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(dst, level) // the level is valid
	} else {
		zw.Reset(dst)
	}
	h.Set("Content-Encoding", "gzip")
	weakenETag(h)
	return &pooledWriter{zw, pool}
}

// weakenETag makes a strong ETag in h weak. A strong tag names one
// sequence of bytes, so the compressed body may not share the identity
// body's (RFC 9110 §8.8.1, §8.8.3); the weak tag still matches
// If-None-Match, which compares weakly, but no longer If-Match or
// If-Range, which compare strongly (Render removes the If-Range of a
// client that accepts gzip in any case). Twisted's wrapper leaves the tag
// alone.
func weakenETag(h http.Header) {
	if tag := h.Get("ETag"); strings.HasPrefix(tag, `"`) {
		h.Set("ETag", "W/"+tag)
	}
}

// pooledWriter is a gzip.Writer that goes back to its pool when closed.
type pooledWriter struct {
	*gzip.Writer
	pool *sync.Pool
}

func (p *pooledWriter) Close() error {
	err := p.Writer.Close()
	p.Writer.Reset(io.Discard) // let go of the response
	p.pool.Put(p.Writer)
	return err
}

// addVary adds Accept-Encoding to the Vary header unless it is there.
func addVary(h http.Header) {
	if v := h.Values("Vary"); header.HasToken(v, "*") || header.HasToken(v, "Accept-Encoding") {
		return
	}
	h.Add("Vary", "Accept-Encoding")
}

// Accepts reports whether the Accept-Encoding headers of h accept gzip
// (RFC 9110 §12.5.3): "gzip" or "x-gzip" with a non-zero weight, or "*"
// with a non-zero weight when gzip is not listed. Codings are matched
// without regard to case; q=0 means "not acceptable".
func Accepts(h http.Header) bool {
	star := false
	for _, line := range h.Values("Accept-Encoding") {
		for _, item := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.TrimSpace(coding)
			isGzip := strings.EqualFold(coding, "gzip") || strings.EqualFold(coding, "x-gzip")
			if !isGzip && coding != "*" {
				continue
			}
			ok := weight(params) > 0
			if isGzip {
				return ok
			}
			star = ok
		}
	}
	return star
}

// weight returns the q parameter among params (";"-separated), 1 if there
// is none, and 0 if it does not parse.
func weight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

func bodyAllowed(code int) bool {
	return (code < 100 || code > 199) && code != http.StatusNoContent && code != http.StatusNotModified
}
