package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// TestRenewSession: the data and callbacks move to a fresh uid, and the old
// uid is worthless.
func TestRenewSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite()
		defer s.Close()
		var log testutil.Lines
		old := newVisitor(t, s)
		visit(s, "/count", cookieOf(old))
		visit(s, "/count", cookieOf(old))
		watch(t, &log, s, old, "a", 2)
		sess, _ := lookup(s, old)

		rec := visit(s, "/renew", cookieOf(old))
		was, uid, _ := strings.Cut(rec.Body.String(), " ")
		if was != old {
			t.Fatalf("renewed %s, want %s", was, old)
		}
		checkUID(t, uid)
		if uid == old {
			t.Fatal("RenewSession kept the uid")
		}
		if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(uid)}) {
			t.Fatalf("Set-Cookie %q, want %q", got, defaultCookie(uid))
		}
		if live(s, old) {
			t.Fatal("the old uid still resolves")
		}
		if got, ok := lookup(s, uid); !ok || got != sess || sess.UID() != uid {
			t.Fatalf("the new uid resolves to %p (%v), want %p", got, ok, sess)
		}
		if got := visit(s, "/count", cookieOf(uid)).Body.String(); got != uid+" 3" {
			t.Fatalf("the counter did not move: %q", got)
		}
		rec = visit(s, "/count", cookieOf(old))
		if got := rec.Body.String(); strings.HasPrefix(got, uid) || strings.HasPrefix(got, old) || !strings.HasSuffix(got, " 1") {
			t.Fatalf("the old cookie gave %q", got)
		}
		if s.SessionCount() != 2 {
			t.Fatalf("%d sessions, want 2", s.SessionCount())
		}
		sess.Expire()
		if got, want := log.Get(), expired("a", 2); !slices.Equal(got, want) {
			t.Fatalf("callbacks: %q, want %q", got, want)
		}
	})
}

// TestSessionMaxSessions: beyond MaxSessions, the session with the earliest
// deadline expires, callbacks and all.
func TestSessionMaxSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite(func(s *site.Site) { s.MaxSessions = 3 })
		defer s.Close()
		var log testutil.Lines
		var uids []string
		for i := range 4 {
			uid := newVisitor(t, s)
			watch(t, &log, s, uid, fmt.Sprint("v", i), 2)
			uids = append(uids, uid)
			if got := s.SessionCount(); got != min(i+1, 3) {
				t.Fatalf("after visitor %d: %d sessions", i, got)
			}
			time.Sleep(time.Second)
		}
		// The eviction ran in the fourth request, before it returned.
		if got, want := log.Get(), expired("v0", 2); !slices.Equal(got, want) {
			t.Fatalf("callbacks: %q, want %q", got, want)
		}
		for i, uid := range uids {
			if live(s, uid) != (i > 0) {
				t.Errorf("visitor %d: live %v", i, live(s, uid))
			}
		}
		// The first visitor comes back: a new session, which evicts the
		// second visitor's.
		rec := visit(s, "/get", cookieOf(uids[0]))
		if rec.Body.String() == uids[0] || len(rec.Header().Values("Set-Cookie")) != 1 {
			t.Fatalf("evicted visitor got %s, Set-Cookie %q", rec.Body, rec.Header().Values("Set-Cookie"))
		}
		if got, want := log.Get(), append(expired("v0", 2), expired("v1", 2)...); !slices.Equal(got, want) {
			t.Fatalf("callbacks: %q, want %q", got, want)
		}
		if s.SessionCount() != 3 {
			t.Fatalf("%d sessions, want 3", s.SessionCount())
		}
	})
}

// TestSessionSiteClose: Close stops the scheduler (the bubble would not end
// otherwise) and drops the sessions without their callbacks; a request
// for a session then gets 503, one without still gets its page.
func TestSessionSiteClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite(withFactory(session.WithTimeout(time.Minute)))
		var log testutil.Lines
		uid := newVisitor(t, s)
		watch(t, &log, s, uid, "a", 1)
		time.Sleep(30 * time.Second)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if live(s, uid) || s.SessionCount() != 0 {
			t.Fatalf("after Close: live %v, %d sessions", live(s, uid), s.SessionCount())
		}
		rec := visit(s, "/get", cookieOf(uid))
		if rec.Code != http.StatusServiceUnavailable || len(rec.Header().Values("Set-Cookie")) != 0 {
			t.Fatalf("after Close: %d %q, Set-Cookie %q", rec.Code, rec.Body, rec.Header().Values("Set-Cookie"))
		}
		if rec := visit(s, "/none"); rec.Code != http.StatusOK {
			t.Fatalf("after Close, without a session: %d %q", rec.Code, rec.Body)
		}
		if s.SessionCount() != 0 {
			t.Fatalf("a session was kept after Close")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := log.Get(); len(got) != 0 {
			t.Fatalf("callbacks ran after Close: %q", got)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSessionsLogOutEverywhere: Sessions may be expired from inside the
// loop.
func TestSessionsLogOutEverywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite()
		defer s.Close()
		var log testutil.Lines
		users := map[string]sessUser{}
		for i, name := range []sessUser{"alice", "bob", "alice", "carol", "alice", "bob"} {
			uid := newVisitor(t, s)
			sess, _ := lookup(s, uid)
			if err := session.Update(sess, nil, func(u *sessUser) error { *u = name; return nil }); err != nil {
				t.Fatal(err)
			}
			watch(t, &log, s, uid, fmt.Sprint(name, i), 1)
			users[uid] = name
		}
		seen := 0
		for sess := range s.Sessions() {
			seen++
			if u, _ := session.Get[sessUser](sess); u == "alice" {
				sess.Expire()
			}
		}
		if seen != 6 || s.SessionCount() != 3 || len(log.Get()) != 3 {
			t.Fatalf("saw %d, %d left, callbacks %q", seen, s.SessionCount(), log.Get())
		}
		for uid, name := range users {
			if live(s, uid) == (name == "alice") {
				t.Errorf("%s's session %s: live %v", name, uid, live(s, uid))
			}
		}
		// Expiring sessions not yet reached: they are skipped.
		seen = 0
		for sess := range s.Sessions() {
			seen++
			for other := range s.Sessions() {
				other.Expire()
			}
			_ = sess
		}
		if seen != 1 || s.SessionCount() != 0 || len(log.Get()) != 6 {
			t.Fatalf("saw %d, %d left, callbacks %q", seen, s.SessionCount(), log.Get())
		}
	})
}

// TestSessionEvictedInGetSessionCallsRequest: over TLS with MaxSessions 1,
// a request's second GetSession (the other kind) evicts its first session,
// whose expiry callback then runs inside that GetSession and may call the
// request's methods, which must not wait for a lock GetSession holds.
func TestSessionEvictedInGetSessionCallsRequest(t *testing.T) {
	tests := []struct {
		name          string
		first, second []request.SessionOption
	}{
		{name: "secure evicted by the insecure one", second: []request.SessionOption{request.ForceNotSecure}},
		{name: "insecure evicted by the secure one", first: []request.SessionOption{request.ForceNotSecure}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := resource.New()
			root.PutChild("x", &sessFunc{f: func(r *request.Request) string {
				first := r.GetSession(tt.first...)
				var at time.Time
				first.NotifyOnExpire(func() {
					at = r.Now()
					r.SetHeader("X-Evicted", "yes")
				})
				r.GetSession(tt.second...) // evicts first, running its callback
				return fmt.Sprint(first.Expired(), " ", at.Equal(r.Now()))
			}})
			s := site.New(root)
			s.MaxSessions = 1
			defer s.Close()
			done := make(chan string, 1)
			go func() {
				rec := visit(s, "https://example.com/x")
				done <- rec.Body.String() + " " + rec.Header().Get("X-Evicted")
			}()
			select {
			case got := <-done:
				if got != "true true yes" {
					t.Fatalf("evicted, same time, header: %q, want %q", got, "true true yes")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the request hangs: the expiry callback waits for a lock GetSession holds")
			}
		})
	}
}

// slowStore is a session.Store whose Load waits for release: a shared
// store that takes its time. Every session it is asked for is unknown.
type slowStore struct {
	loading chan struct{} // closed when Load is entered
	release chan struct{} // Load returns when it is closed
}

func (st *slowStore) Create(context.Context, *session.Record) error { return nil }
func (st *slowStore) Load(ctx context.Context, uid string, touch bool) (*session.Record, error) {
	close(st.loading)
	<-st.release
	return nil, session.ErrNotFound
}
func (st *slowStore) Update(context.Context, string, string, []byte, []byte) ([]byte, error) {
	return nil, session.ErrNotFound
}
func (st *slowStore) Expire(context.Context, string) (*session.Record, error) {
	return nil, session.ErrNotFound
}
func (st *slowStore) Rename(context.Context, string, string) error { return session.ErrNotFound }
func (st *slowStore) Check(context.Context, string) (*session.Record, error) {
	return nil, session.ErrNotFound
}
func (st *slowStore) Watch(ctx context.Context, _ func(string)) error {
	<-ctx.Done()
	return ctx.Err()
}
func (st *slowStore) Codec() session.Codec { return session.GobCodec{} }

// TestGetSessionWaitsWithoutTheRequestLock: while GetSession waits for a
// shared store, the Request's other methods answer: another goroutine of
// the request (or the server, aborting it) is not held up for the round
// trip.
func TestGetSessionWaitsWithoutTheRequestLock(t *testing.T) {
	st := &slowStore{loading: make(chan struct{}), release: make(chan struct{})}
	answered := make(chan bool, 1)
	root := resource.New()
	root.PutChild("x", &sessFunc{f: func(r *request.Request) string {
		go func() {
			<-st.loading
			r.SetHeader("X-Meanwhile", "yes") // takes the Request's lock
			answered <- !r.HeadersSent()
		}()
		return r.GetSession().UID()
	}})
	s := site.New(root)
	s.SessionStore = st
	defer s.Close()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("Cookie", site.DefaultSessionCookieName+"=f47ac10b-58cc-4372-a567-0e02b2c3d479")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		done <- rec
	}()
	select {
	case ok := <-answered:
		if !ok {
			t.Error("HeadersSent while GetSession waits: true")
		}
	case <-time.After(30 * time.Second):
		t.Error("the Request's methods wait for GetSession's round trip")
	}
	close(st.release)
	if rec := <-done; rec.Header().Get("X-Meanwhile") != "yes" || rec.Code != 200 {
		t.Errorf("%d, X-Meanwhile %q", rec.Code, rec.Header().Get("X-Meanwhile"))
	}
}
