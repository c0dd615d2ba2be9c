package site_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/julienschmidt/httprouter"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// benchWriter is a minimal reusable http.ResponseWriter, so that the
// benchmarks measure routing and dispatch, not a recorder.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header  { return w.h }
func (w *benchWriter) WriteHeader(code int) { w.code = code }
func (w *benchWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

var helloBody = []byte("hello")

// leafPage renders a fixed 5-byte body.
type leafPage struct{ resource.Leaf }

func (leafPage) RenderGET(*request.Request) ([]byte, error) { return helloBody, nil }

// staticTree is /a/b/c with siblings at each level, as the peers' routes.
func staticTree() resource.Resource {
	root := resource.New()
	for _, a := range []string{"a", "x", "y"} {
		na := resource.New()
		root.PutChild(a, na)
		for _, b := range []string{"b", "x", "y"} {
			nb := resource.New()
			na.PutChild(b, nb)
			for _, c := range []string{"c", "x", "y"} {
				nb.PutChild(c, leafPage{})
			}
		}
	}
	return root
}

// staticPaths are the routes of staticTree, for the peers.
func staticPaths() []string {
	var paths []string
	for _, a := range []string{"a", "x", "y"} {
		for _, b := range []string{"b", "x", "y"} {
			for _, c := range []string{"c", "x", "y"} {
				paths = append(paths, "/"+a+"/"+b+"/"+c)
			}
		}
	}
	return paths
}

var (
	textHTML = []string{"text/html"}
	length5  = strconv.Itoa(len(helloBody))
)

// peerHandler sets the headers the Site sends for the same response.
func peerHandler(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = textHTML
	h["Content-Length"] = []string{length5}
	w.WriteHeader(http.StatusOK)
	w.Write(helloBody)
}

func runBench(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("GET", "/a/b/c", nil)
	w := &benchWriter{h: make(http.Header)}
	h.ServeHTTP(w, req)
	if w.code != 200 || w.n != 5 {
		b.Fatalf("GET /a/b/c: %d, %d bytes", w.code, w.n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

func BenchmarkSiteStaticTree(b *testing.B) {
	s := site.New(staticTree())
	defer s.Close()
	runBench(b, s)
}

func BenchmarkServeMuxStaticTree(b *testing.B) {
	mux := http.NewServeMux()
	for _, p := range staticPaths() {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, _ *http.Request) { peerHandler(w) })
	}
	runBench(b, mux)
}

func BenchmarkHTTPRouterStaticTree(b *testing.B) {
	r := httprouter.New()
	for _, p := range staticPaths() {
		r.GET(p, func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) { peerHandler(w) })
	}
	runBench(b, r)
}
