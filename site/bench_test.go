package site_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/julienschmidt/httprouter"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

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
	w := testutil.NewDiscard() // the benchmarks measure routing and dispatch, not a recorder
	h.ServeHTTP(w, req)
	if w.Code != 200 || w.N != 5 {
		b.Fatalf("GET /a/b/c: %d, %d bytes", w.Code, w.N)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.Reset()
		h.ServeHTTP(w, req)
	}
}

func BenchmarkSiteStaticTree(b *testing.B) {
	s := site.New(staticTree())
	defer s.Close()
	runBench(b, s)
}

// BenchmarkSiteStaticTreeInspected is BenchmarkSiteStaticTree with an
// Inspector attached: the difference is what recording each request's
// steps costs.
func BenchmarkSiteStaticTreeInspected(b *testing.B) {
	s := site.New(staticTree())
	defer s.Close()
	s.Inspector = inspect.New()
	runBench(b, s)
}

// BenchmarkSiteStaticTreeInspectedLog adds the Inspector's Log, a text
// handler writing to io.Discard.
func BenchmarkSiteStaticTreeInspectedLog(b *testing.B) {
	s := site.New(staticTree())
	defer s.Close()
	s.Inspector = inspect.New()
	s.Inspector.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
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
