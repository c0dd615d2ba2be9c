package request

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/session"
)

// interleaveStore is a shared session.Store in memory whose Create, the
// store of a new session, yields a random number of times, then stores,
// fails or panics, as the test's random source says. It remembers every
// uid it ever stored (renames included) and counts the stores under way.
// It reads nothing back: a session is read only by the Request that
// made it.
type interleaveStore struct {
	HookStore // Load, Update, Check, Watch, Codec
	rand      func(n int) int

	mu       sync.Mutex
	live     map[string]bool
	ever     map[string]bool
	inflight int // Creates under way
}

func (st *interleaveStore) Create(_ context.Context, rec *session.Record) error {
	st.mu.Lock()
	st.inflight++
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		st.inflight--
		st.mu.Unlock()
	}()
	yield(st.rand(50))
	switch st.rand(7) {
	case 0:
		return errStoreDown
	case 1:
		panic("store bug")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.live[rec.UID], st.ever[rec.UID] = true, true
	now := time.Now()
	rec.Created, rec.LastAccess, rec.Now, rec.Deadline = now, now, now, now.Add(time.Hour)
	return nil
}

func (st *interleaveStore) Expire(_ context.Context, uid string) (*session.Record, error) {
	yield(st.rand(10))
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.live[uid] {
		return nil, session.ErrNotFound
	}
	delete(st.live, uid)
	return &session.Record{UID: uid}, nil
}

func (st *interleaveStore) Rename(_ context.Context, old, uid string) error {
	yield(st.rand(10))
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.live[old] {
		return session.ErrNotFound
	}
	delete(st.live, old)
	st.live[uid], st.ever[uid] = true, true
	return nil
}

// yield lets other goroutines run n times: an interleaving, without time.
func yield(n int) {
	for range n {
		runtime.Gosched()
	}
}

// interleaveWriter is the server's writer as the test sees it. When the
// Request sends its headers (writeHeaderLocked, r.mu held) it checks
// that no session the cookies wait for is still unstored or being stored,
// and that every cookie names a session the store holds; and it reports
// any use after the response ended.
type interleaveWriter struct {
	r  *Request
	st *interleaveStore
	h  http.Header

	mu    sync.Mutex
	sent  int  // headers sent by writeHeaderLocked
	ended bool // NotifyFinish said so
	bad   []string
}

func (w *interleaveWriter) Header() http.Header { return w.h }

func (w *interleaveWriter) WriteHeader(int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		w.bad = append(w.bad, "WriteHeader after the end")
	}
	if !calledBy("writeHeaderLocked") {
		return // a 1xx, or ResponseWriter's WriteHeader after the headers: passed through
	}
	w.sent++
	for i, c := range w.r.cookie { // r.mu is held
		if c == cookieUnsaved || c == cookieSaving {
			w.bad = append(w.bad, fmt.Sprintf("headers sent with cookie %d in state %d", i, c))
		}
	}
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	if w.st.inflight > 0 {
		w.bad = append(w.bad, "headers sent while a session is stored")
	}
	for _, line := range w.h.Values("Set-Cookie") {
		nv, _, _ := strings.Cut(line, ";")
		if _, uid, _ := strings.Cut(nv, "="); uid != "" && !w.st.ever[uid] {
			w.bad = append(w.bad, "a cookie for a session never stored: "+line)
		}
	}
}

func (w *interleaveWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		w.bad = append(w.bad, "Write after the end")
	}
	return len(p), nil
}

func (*interleaveWriter) Flush() {}

func (*interleaveWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, nil }

// calledBy reports whether the Request's method name is on the stack.
func calledBy(name string) bool {
	pc := make([]uintptr, 32)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".(*Request)."+name) {
			return true
		}
		if !more {
			return false
		}
	}
}

// TestSaveInterleavings runs three goroutines over one Request with a
// new session in a shared store that takes its time, fails or panics,
// each calling the Request's methods in a random order (each seed its
// own), and checks what must hold whatever the interleaving: the headers
// go out once, never while a session whose cookie they carry is being
// stored nor with a cookie for a session never stored; nothing reaches the
// server's writer after the end; nothing hangs, and the Request is left
// unlocked (a store that panics included).
func TestSaveInterleavings(t *testing.T) {
	ops := []struct {
		name string
		do   func(r *Request)
	}{
		{"Write", func(r *Request) { r.Write([]byte("w")) }},
		{"Flush", func(r *Request) { r.Flush() }},
		{"Finish", func(r *Request) { r.Finish() }},
		{"FinishWith", func(r *Request) { r.FinishWith([]byte("f")) }},
		{"writer Write", func(r *Request) { r.ResponseWriter().Write([]byte("r")) }},
		{"writer WriteHeader", func(r *Request) { r.ResponseWriter().WriteHeader(http.StatusCreated) }},
		{"writer 103", func(r *Request) { r.ResponseWriter().WriteHeader(http.StatusEarlyHints) }},
		{"Hijack", func(r *Request) { http.NewResponseController(r.ResponseWriter()).Hijack() }},
		{"Abort", func(r *Request) { r.Abort(ErrClosed) }},
		{"GetSession", func(r *Request) { r.GetSession() }},
		{"GetSession forced", func(r *Request) { r.GetSession(ForceNotSecure) }},
		{"RenewSession", func(r *Request) { r.RenewSession() }},
		{"RenewSession forced", func(r *Request) { r.RenewSession(ForceNotSecure) }},
		{"Expire", func(r *Request) {
			if s := r.Session(); s != nil {
				s.Expire()
			}
		}},
		{"SetHeader", func(r *Request) { r.SetHeader("X", "y") }},
		{"SetResponseCode", func(r *Request) { r.SetResponseCode(http.StatusAccepted) }},
		{"SetBodyFilter", func(r *Request) {
			r.SetBodyFilter(func(http.Header, int, io.Writer) io.WriteCloser { return nil })
		}},
		{"Stream", func(r *Request) { r.Stream() }},
		{"HeadersSent", func(r *Request) { r.HeadersSent() }},
	}
	seeds := 2000
	if testing.Short() {
		seeds = 200
	}
	for seed := range uint64(seeds) {
		var mu sync.Mutex
		src := rand.New(rand.NewPCG(seed, 0))
		random := func(n int) int {
			mu.Lock()
			defer mu.Unlock()
			return src.IntN(n)
		}
		st := &interleaveStore{rand: random, live: map[string]bool{}, ever: map[string]bool{}}
		m := session.NewManager(session.Options{Store: st})
		hr := httptest.NewRequest(http.MethodGet, "https://example.com/", nil) // over TLS: two sessions
		if random(4) == 0 {
			hr.Method = http.MethodHead
		}
		w := &interleaveWriter{st: st, h: http.Header{}}
		r := New(w, hr, &Config{
			Sessions:                m,
			SessionCookie:           http.Cookie{Name: "S"},
			SecureSessionCookieName: "SS",
			Logger:                  slog.New(slog.DiscardHandler),
		})
		w.r = r
		var log []string
		do := func(g int, op int) {
			mu.Lock()
			log = append(log, fmt.Sprintf("%d: %s", g, ops[op].name))
			mu.Unlock()
			defer func() { recover() }() // the store's panic
			ops[op].do(r)
		}
		do(0, 9) // GetSession: a new session to store
		fin := r.NotifyFinish()
		ended := make(chan struct{})
		go func() {
			<-fin
			w.mu.Lock()
			w.ended = true
			w.mu.Unlock()
			close(ended)
		}()
		var wg sync.WaitGroup
		for g := range 3 {
			var mine [4]int
			for i := range mine {
				mine[i] = random(len(ops))
			}
			wg.Go(func() {
				for _, op := range mine {
					yield(random(30))
					do(g, op)
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			buf := make([]byte, 1<<20)
			t.Fatalf("seed %d hangs after %q:\n%s", seed, log, buf[:runtime.Stack(buf, true)])
		}
		if !r.mu.TryLock() {
			t.Fatalf("seed %d: the Request stays locked after %q", seed, log)
		}
		r.mu.Unlock()
		do(0, 2)           // Finish
		r.Abort(ErrClosed) // if Finish panicked
		<-ended
		m.Close()
		w.mu.Lock()
		if w.sent > 1 {
			w.bad = append(w.bad, fmt.Sprintf("headers sent %d times", w.sent))
		}
		if len(w.bad) > 0 {
			t.Errorf("seed %d: %q after %q", seed, w.bad, log)
		}
		w.mu.Unlock()
	}
}
