package request

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/gotwisted/web/session"
)

// HookStore is a session.Store, for this package's tests, whose Create,
// the store of a new session, runs OnCreate (if set) and returns its
// error: a shared store that takes its time, or fails. It knows no other
// session.
type HookStore struct {
	OnCreate func() error
	creates  atomic.Int32
}

// Creates returns the number of calls of Create so far.
func (st *HookStore) Creates() int { return int(st.creates.Load()) }

func (st *HookStore) Create(context.Context, *session.Record) error {
	st.creates.Add(1)
	if st.OnCreate != nil {
		return st.OnCreate()
	}
	return nil
}
func (*HookStore) Load(context.Context, string, bool) (*session.Record, error) {
	return nil, session.ErrNotFound
}
func (*HookStore) Update(context.Context, string, string, []byte, []byte) ([]byte, error) {
	return nil, session.ErrNotFound
}
func (*HookStore) Expire(context.Context, string) (*session.Record, error) {
	return nil, session.ErrNotFound
}
func (*HookStore) Rename(context.Context, string, string) error { return session.ErrNotFound }
func (*HookStore) Check(context.Context, string) (*session.Record, error) {
	return nil, session.ErrNotFound
}
func (*HookStore) Watch(ctx context.Context, _ func(string)) error {
	<-ctx.Done()
	return ctx.Err()
}
func (*HookStore) Codec() session.Codec { return session.GobCodec{} }

var (
	// errStoreDown is the failure of a HookStore that cannot store.
	errStoreDown = errors.Join(session.ErrUnavailable, errors.New("store down"))
	// errPanicked stands for a panic, recovered.
	errPanicked = errors.New("panicked")
)

// TestSaveRace: while one goroutine stores the new session whose cookie
// the headers carry, another that would send the headers waits for that
// store, without the Request's lock and without a store of its own; the
// headers then go out once, with the cookie if the session was stored and
// without it if not (nor if the store panics, which leaves the Request
// usable). A method that sends no headers (Abort, as the Site's Close
// calls it) does not wait.
func TestSaveRace(t *testing.T) {
	tests := []struct {
		name        string
		fail, panic bool // the store fails, or panics
		// first stores the session; second comes while it does.
		first, second string
		// The body sent, the cookie, and what each call returned.
		body                string
		cookie              bool
		firstErr, secondErr error
		abortMeanwhile      bool // Abort(ErrClosed) while the session is stored
	}{
		{name: "two writes", first: "write a", second: "write b", body: "ab", cookie: true},
		{name: "two writes, store down", fail: true, first: "write a", second: "write b", body: "ab"},
		{name: "write then finish", first: "write a", second: "finish", body: "a", cookie: true},
		{name: "flush then write", first: "flush", second: "write b", body: "b", cookie: true},
		{name: "writer then FinishWith", first: "raw a", second: "finishwith b", body: "ab", cookie: true},
		{name: "FinishWith then write, store down", fail: true, first: "finishwith a", second: "write b", body: "b",
			firstErr: session.ErrUnavailable},
		{name: "two writes, store panics", panic: true, first: "write a", second: "write b", body: "b",
			firstErr: errPanicked},
		{name: "write, aborted meanwhile", first: "write a", second: "write b", abortMeanwhile: true,
			firstErr: ErrClosed, secondErr: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				st := &HookStore{OnCreate: func() error {
					<-release
					if tt.panic {
						panic("store bug")
					}
					if tt.fail {
						return errStoreDown
					}
					return nil
				}}
				m := session.NewManager(session.Options{Store: st})
				defer m.Close()
				rec := httptest.NewRecorder()
				rec.Code = 0 // set by WriteHeader
				r := New(rec, httptest.NewRequest("GET", "/", nil), &Config{
					Sessions:      m,
					SessionCookie: http.Cookie{Name: "S"},
					Logger:        slog.New(slog.DiscardHandler),
				})
				s := r.GetSession()
				r.Stream()
				do := func(what string) (err error) {
					defer func() {
						if v := recover(); v != nil {
							err = errPanicked
						}
					}()
					verb, arg, _ := strings.Cut(what, " ")
					switch verb {
					case "write":
						_, err = r.Write([]byte(arg))
					case "raw":
						_, err = r.ResponseWriter().Write([]byte(arg))
					case "flush":
						err = r.Flush()
					case "finish":
						err = r.Finish()
					case "finishwith":
						err = r.FinishWith([]byte(arg))
					}
					return err
				}
				firstErr, secondErr := make(chan error, 1), make(chan error, 1)
				go func() { firstErr <- do(tt.first) }()
				synctest.Wait() // first is in Create
				defer func() {
					select {
					case <-release:
					default:
						close(release)
					}
				}()
				if !r.mu.TryLock() {
					t.Fatal("the Request stays locked while its session is stored")
				}
				r.mu.Unlock()
				go func() { secondErr <- do(tt.second) }()
				synctest.Wait() // second waits for first's store
				if r.HeadersSent() {
					t.Fatal("headers sent while the session is stored")
				}
				fin := r.NotifyFinish()
				if tt.abortMeanwhile {
					r.Abort(ErrClosed)
					if err := <-fin; err != ErrClosed {
						t.Fatalf("NotifyFinish: %v, want ErrClosed", err)
					}
				}
				close(release)
				if err := <-firstErr; !errors.Is(err, tt.firstErr) || (err == nil) != (tt.firstErr == nil) {
					t.Errorf("%s: %v, want %v", tt.first, err, tt.firstErr)
				}
				if err := <-secondErr; !errors.Is(err, tt.secondErr) || (err == nil) != (tt.secondErr == nil) {
					t.Errorf("%s: %v, want %v", tt.second, err, tt.secondErr)
				}
				if n := st.Creates(); n != 1 {
					t.Errorf("%d stores of the session, want 1", n)
				}
				if tt.abortMeanwhile {
					if rec.Code != 0 || rec.Body.Len() != 0 {
						t.Errorf("aborted, yet sent %d %q", rec.Code, rec.Body)
					}
					return
				}
				if rec.Code != http.StatusOK || rec.Body.String() != tt.body {
					t.Errorf("%d %q, want 200 %q", rec.Code, rec.Body, tt.body)
				}
				var want []string
				if tt.cookie {
					want = []string{"S=" + s.UID()}
				}
				if got := rec.Header().Values("Set-Cookie"); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("Set-Cookie %q, want %q", got, want)
				}
			})
		})
	}
}

// unsavedLog counts the records that say a session was not stored (see
// saveLocked).
type unsavedLog struct{ n atomic.Int32 }

func (l *unsavedLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *unsavedLog) Handle(_ context.Context, rec slog.Record) error {
	if strings.HasPrefix(rec.Message, "session: not stored") {
		l.n.Add(1)
	}
	return nil
}
func (l *unsavedLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *unsavedLog) WithGroup(string) slog.Handler      { return l }

// hijackRecorder is a ResponseRecorder whose connection can be hijacked.
type hijackRecorder struct{ *httptest.ResponseRecorder }

func (hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, nil }

// TestFinishWithReportsStoreFailure: a store of a new session that fails
// under FinishWith is reported once: FinishWith returns it when nothing
// was sent and the response can still take an error page, and otherwise
// (the response ended or was hijacked during the store, or another
// goroutine sent the headers meanwhile) logs it, as the other methods do.
func TestFinishWithReportsStoreFailure(t *testing.T) {
	tests := []struct {
		name string
		// meanwhile runs while FinishWith's store waits for a result,
		// which it sends on stores, as it sends those of other stores.
		meanwhile func(r *Request, stores chan<- error)
		returned  bool // FinishWith returns the failure, else logs it
	}{
		{"nothing else", func(r *Request, stores chan<- error) { stores <- errStoreDown }, true},
		{"aborted", func(r *Request, stores chan<- error) {
			r.Abort(ErrGone)
			stores <- errStoreDown
		}, false},
		{"hijacked", func(r *Request, stores chan<- error) {
			if _, _, err := http.NewResponseController(r.ResponseWriter()).Hijack(); err != nil {
				t.Errorf("Hijack: %v", err)
			}
			stores <- errStoreDown
		}, false},
		{"headers sent by a write during a second store", func(r *Request, stores chan<- error) {
			r.GetSession(ForceNotSecure) // a second new session
			go r.Write([]byte("w"))      // stores it
			synctest.Wait()
			stores <- errStoreDown // FinishWith's store fails
			synctest.Wait()        // FinishWith waits for Write's
			stores <- nil          // Write sends the headers
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stores := make(chan error)
				m := session.NewManager(session.Options{Store: &HookStore{OnCreate: func() error { return <-stores }}})
				defer m.Close()
				log := &unsavedLog{}
				rec := hijackRecorder{httptest.NewRecorder()}
				r := New(rec, httptest.NewRequest("GET", "https://example.com/", nil), &Config{
					Sessions:                m,
					SessionCookie:           http.Cookie{Name: "S"},
					SecureSessionCookieName: "SS",
					Logger:                  slog.New(log),
				})
				r.GetSession()
				finished := make(chan error, 1)
				go func() { finished <- r.FinishWith([]byte("f")) }()
				synctest.Wait() // FinishWith stores the session
				tt.meanwhile(r, stores)
				err := <-finished
				returned, logged := errors.Is(err, session.ErrUnavailable), int(log.n.Load())
				if returned != tt.returned || btoi(returned)+logged != 1 {
					t.Errorf("FinishWith returned %v and the failure was logged %d times; want it returned (%v) or logged, once",
						err, logged, tt.returned)
				}
			})
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSaveWaitEndsWithTheRequest: a method that waits for another
// goroutine's store of a new session, to send the headers after it,
// returns as soon as the Request ends (the client gone, the Site closed)
// or is hijacked, not when that store does, which may take as long as the
// store's client waits.
func TestSaveWaitEndsWithTheRequest(t *testing.T) {
	tests := []struct {
		name string
		end  func(r *Request)
		want error // what the waiting Write returns
	}{
		{"client gone", func(r *Request) { r.Abort(ErrGone) }, ErrGone},
		{"Site closed", func(r *Request) { r.Abort(ErrClosed) }, ErrClosed},
		{"hijacked", func(r *Request) { http.NewResponseController(r.ResponseWriter()).Hijack() }, http.ErrHijacked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				m := session.NewManager(session.Options{Store: &HookStore{OnCreate: func() error {
					<-release
					return nil
				}}})
				defer m.Close()
				r := New(hijackRecorder{httptest.NewRecorder()}, httptest.NewRequest("GET", "/", nil), &Config{
					Sessions:      m,
					SessionCookie: http.Cookie{Name: "S"},
					Logger:        slog.New(slog.DiscardHandler),
				})
				r.GetSession()
				r.Stream()
				first, second := make(chan error, 1), make(chan error, 1)
				go func() { _, err := r.Write([]byte("a")); first <- err }()
				synctest.Wait() // first stores the session
				go func() { _, err := r.Write([]byte("b")); second <- err }()
				synctest.Wait() // second waits for that store
				tt.end(r)
				synctest.Wait()
				select {
				case err := <-second:
					if err != tt.want {
						t.Errorf("the waiting Write: %v, want %v", err, tt.want)
					}
				default:
					t.Error("the waiting Write still waits for the store after the end")
				}
				close(release)
				if err := <-first; err != tt.want {
					t.Errorf("the storing Write: %v, want %v", err, tt.want)
				}
			})
		})
	}
}
