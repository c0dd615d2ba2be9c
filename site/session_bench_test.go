package site_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// sessionBenchWriter is a minimal reusable http.ResponseWriter for the
// session benchmarks: its header map is cleared, not remade, between
// iterations.
type sessionBenchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *sessionBenchWriter) Header() http.Header  { return w.h }
func (w *sessionBenchWriter) WriteHeader(code int) { w.code = code }
func (w *sessionBenchWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func (w *sessionBenchWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

var sessionBenchBody = []byte("hello")

// sessionBenchLeaf renders a 5-byte body, asking for the session first if
// useSession is set.
type sessionBenchLeaf struct {
	resource.Leaf
	useSession bool
}

func (l *sessionBenchLeaf) RenderGET(r *request.Request) ([]byte, error) {
	if l.useSession {
		r.GetSession()
	}
	return sessionBenchBody, nil
}

// sessionBenchSite is a Site over a root with one child, "x".
func sessionBenchSite(useSession bool) *site.Site {
	root := resource.New()
	root.PutChild("x", &sessionBenchLeaf{useSession: useSession})
	return site.New(root)
}

// serveOnce serves req once on w and checks the answer.
func serveOnce(b *testing.B, s *site.Site, w *sessionBenchWriter, req *http.Request) {
	w.reset()
	s.ServeHTTP(w, req)
	if w.code != http.StatusOK || w.n != len(sessionBenchBody) {
		b.Fatalf("GET /x: %d, %d bytes", w.code, w.n)
	}
}

func BenchmarkNoSession(b *testing.B) {
	s := sessionBenchSite(false)
	defer s.Close()
	req := httptest.NewRequest("GET", "/x", nil)
	w := &sessionBenchWriter{h: make(http.Header)}
	serveOnce(b, s, w, req)
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		s.ServeHTTP(w, req)
	}
}

// BenchmarkGetSessionExisting serves a request whose cookie names a live
// session: a lookup and a touch, no Set-Cookie.
func BenchmarkGetSessionExisting(b *testing.B) {
	s := sessionBenchSite(true)
	defer s.Close()
	w := &sessionBenchWriter{h: make(http.Header)}
	serveOnce(b, s, w, httptest.NewRequest("GET", "/x", nil))
	c := w.h.Get("Set-Cookie")
	if c == "" || s.SessionCount() != 1 {
		b.Fatalf("no session made: Set-Cookie %q, %d sessions", c, s.SessionCount())
	}
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Cookie", site.DefaultSessionCookieName+"="+cookieValue(b, c))
	serveOnce(b, s, w, req)
	if w.h.Get("Set-Cookie") != "" || s.SessionCount() != 1 {
		b.Fatalf("the cookie was not honoured: Set-Cookie %q, %d sessions", w.h.Get("Set-Cookie"), s.SessionCount())
	}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		s.ServeHTTP(w, req)
	}
}

// BenchmarkGetSessionNew serves a request without a cookie: each iteration
// makes a session and sets its cookie. The Site keeps the default
// MaxSessions (1,000,000), and every 4096 iterations the timer is stopped
// and the sessions are expired, so that the Store stays small and no
// eviction is measured: this times the request's path. The Store's own
// cost grows with its size (cache misses in its index; see the session
// package's BenchmarkNew); BenchmarkGetSessionNewEvicting shows a full
// Store of 65536.
func BenchmarkGetSessionNew(b *testing.B) {
	s := sessionBenchSite(true)
	defer s.Close()
	req := httptest.NewRequest("GET", "/x", nil)
	w := &sessionBenchWriter{h: make(http.Header)}
	serveOnce(b, s, w, req)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i&(1<<12-1) == 0 {
			b.StopTimer()
			for sess := range s.Sessions() {
				sess.Expire()
			}
			b.StartTimer()
		}
		w.reset()
		s.ServeHTTP(w, req)
	}
}

// BenchmarkGetSessionNewEvicting is BenchmarkGetSessionNew on a full Site
// (MaxSessions 1<<16): each new session evicts the oldest one.
func BenchmarkGetSessionNewEvicting(b *testing.B) {
	s := sessionBenchSite(true)
	s.MaxSessions = 1 << 16
	defer s.Close()
	req := httptest.NewRequest("GET", "/x", nil)
	w := &sessionBenchWriter{h: make(http.Header)}
	for range s.MaxSessions {
		serveOnce(b, s, w, req)
	}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		s.ServeHTTP(w, req)
	}
}

// cookieValue returns the value of a Set-Cookie line.
func cookieValue(b *testing.B, setCookie string) string {
	c, err := http.ParseSetCookie(setCookie)
	if err != nil {
		b.Fatal(err)
	}
	return c.Value
}
