package request

import (
	"context"
	"errors"
	"log/slog"
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
