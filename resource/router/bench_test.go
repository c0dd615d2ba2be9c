package router_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/julienschmidt/httprouter"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource/router"
	"github.com/gotwisted/web/site"
)

// benchRoutes are served by both benchmarks; each answers "ok".
var benchRoutes = []string{
	"/",
	"/users/:name",
	"/users/:name/repos",
	"/repos/:owner/:repo/issues/:number",
	"/static/*filepath",
}

var benchPaths = []string{"/", "/users/bob", "/users/bob/repos", "/repos/go/go/issues/42", "/static/css/site.css"}

// discard is a ResponseWriter that keeps nothing, so that both benchmarks
// measure routing and response handling, not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

var ok = []byte("ok")

func benchServe(b *testing.B, h http.Handler) {
	reqs := make([]*http.Request, len(benchPaths))
	for i, p := range benchPaths {
		reqs[i] = httptest.NewRequest("GET", p, nil)
	}
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		clear(w.h)
		h.ServeHTTP(w, reqs[i%len(reqs)])
	}
}

// BenchmarkRouter serves the routes through a Site whose root is a Router.
func BenchmarkRouter(b *testing.B) {
	rt := router.New()
	for _, p := range benchRoutes {
		rt.GET(p, func(*request.Request, router.Params) ([]byte, error) { return ok, nil })
	}
	s := site.New(rt)
	defer s.Close()
	benchServe(b, s)
}

// BenchmarkHTTPRouter serves the same routes with a bare httprouter.
func BenchmarkHTTPRouter(b *testing.B) {
	hr := httprouter.New()
	for _, p := range benchRoutes {
		hr.GET(p, func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
			w.Header().Set("Content-Type", "text/html")
			w.Write(ok)
		})
	}
	benchServe(b, hr)
}
