package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	redigo "github.com/gomodule/redigo/redis"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
	"github.com/gotwisted/web/site"
)

// The benchmarks serve, in process, the two requests a shared session
// store is for, through this package and through scs with its Redis store
// (github.com/alexedwards/scs/redisstore, on redigo), both on one
// redis-server over a unix socket:
//
//   - Increment: a request on an existing session that increments a
//     counter component (here Update; scs: GetInt and Put).
//   - New: a request without a cookie that makes a session and stores
//     one component.

// benchWriter is a minimal reusable http.ResponseWriter.
type benchWriter struct {
	h    http.Header
	code int
	body []byte
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(p []byte) (int, error) { w.body = append(w.body, p...); return len(p), nil }

func (w *benchWriter) reset() {
	clear(w.h)
	w.code, w.body = 0, w.body[:0]
}

// counterPage increments the session's Counter.
type counterPage struct{ resource.Leaf }

func (counterPage) RenderGET(r *request.Request) ([]byte, error) {
	var n int
	err := session.Update(r.GetSession(), nil, func(c *Counter) error {
		c.N++
		n = c.N
		return nil
	})
	return strconv.AppendInt(nil, int64(n), 10), err
}

// ourHandler is a Site on the Redis of rs whose every page is counterPage.
func ourHandler(b *testing.B, rs *redisServer) http.Handler {
	s := site.New(counterPage{})
	s.SessionStore = redisstore.New(rs.client(b), redisstore.Options{})
	b.Cleanup(func() { s.Close() })
	return s
}

// scsHandler is the same page through scs on the Redis of rs.
func scsHandler(b *testing.B, rs *redisServer) http.Handler {
	pool := &redigo.Pool{
		MaxIdle: 16,
		Dial:    func() (redigo.Conn, error) { return redigo.Dial("unix", rs.sock) },
	}
	b.Cleanup(func() { pool.Close() })
	sm := scs.New() // its default memstore starts a goroutine: see TestMain
	sm.Store = scsredis.New(pool)
	return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := sm.GetInt(r.Context(), "count") + 1
		sm.Put(r.Context(), "count", n)
		w.Write(strconv.AppendInt(nil, int64(n), 10))
	}))
}

// cookieName is the session cookie of each handler.
var cookieName = map[string]string{"ours": site.DefaultSessionCookieName, "scs": "session"}

func BenchmarkIncrement(b *testing.B) {
	rs := startRedis(b, false)
	for _, name := range []string{"ours", "scs"} {
		b.Run(name, func(b *testing.B) {
			h := ourHandler(b, rs)
			if name == "scs" {
				h = scsHandler(b, rs)
			}
			w := &benchWriter{h: make(http.Header)}
			h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			var cookie string
			for _, c := range (&http.Response{Header: w.h}).Cookies() {
				if c.Name == cookieName[name] {
					cookie = c.Name + "=" + c.Value
				}
			}
			if cookie == "" {
				b.Fatalf("no session cookie: %q", w.h)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", cookie)
			b.ReportAllocs()
			i := 1
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
				i++
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("%d %q", w.code, w.body)
				}
			}
			if got := string(w.body); got != strconv.Itoa(i) {
				b.Fatalf("counted %q, want %d", got, i)
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	rs := startRedis(b, false)
	for _, name := range []string{"ours", "scs"} {
		b.Run(name, func(b *testing.B) {
			h := ourHandler(b, rs)
			if name == "scs" {
				h = scsHandler(b, rs)
			}
			w := &benchWriter{h: make(http.Header)}
			req := httptest.NewRequest("GET", "/", nil)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
				if string(w.body) != "1" || len(w.h["Set-Cookie"]) != 1 {
					b.Fatalf("%d %q %q", w.code, w.body, w.h)
				}
			}
		})
	}
}

// BenchmarkStoreCreate is the store's share of BenchmarkNew: the one
// round trip that stores a new session with its component, through this
// package's Store.Create (one SET with a time to live on go-redis) and
// through scs's RedisStore.Commit (a MULTI/SET/PEXPIREAT/EXEC on redigo),
// each with the bytes its BenchmarkNew stores. BenchmarkNew less this is
// what the rest of each framework costs.
func BenchmarkStoreCreate(b *testing.B) {
	rs := startRedis(b, false)
	b.Run("ours", func(b *testing.B) {
		st := redisstore.New(rs.client(b), redisstore.Options{})
		data, err := session.GobCodec{}.Marshal(Counter{N: 1})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			rec := &session.Record{UID: "create-" + strconv.Itoa(i), Timeout: time.Hour,
				Components: map[string][]byte{"github.com/gotwisted/web/session/redisstore_test.Counter": data}}
			if err := st.Create(ctx, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scs", func(b *testing.B) {
		pool := &redigo.Pool{
			MaxIdle: 16,
			Dial:    func() (redigo.Conn, error) { return redigo.Dial("unix", rs.sock) },
		}
		defer pool.Close()
		st := scsredis.New(pool)
		expiry := time.Now().Add(24 * time.Hour)
		data, err := scs.GobCodec{}.Encode(expiry, map[string]any{"count": 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := st.Commit("create-"+strconv.Itoa(i), data, expiry); err != nil {
				b.Fatal(err)
			}
		}
	})
}
