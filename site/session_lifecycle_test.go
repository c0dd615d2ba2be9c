package site_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/internal/testutil"
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
