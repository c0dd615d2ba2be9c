package site_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// TestSessionRequests covers what one request does to sessions and to the
// response headers, for each route, with and without a valid cookie.
func TestSessionRequests(t *testing.T) {
	const (
		none  = iota // no Set-Cookie
		fresh        // one Set-Cookie, for a new uid (the body's last word)
		clear        // one Set-Cookie, clearing the cookie
	)
	tests := []struct {
		path       string
		withCookie bool
		setCookie  int
		session    bool // the response used a session: Vary and Cache-Control
		sameUID    bool // the body's first word is the cookie's uid
		count      int  // live sessions afterwards
		cache      []string
		vary       []string
	}{
		{path: "/none", setCookie: none, count: 0},
		{path: "/none", withCookie: true, setCookie: none, count: 1},
		{path: "/get", setCookie: fresh, session: true, count: 1},
		{path: "/get", withCookie: true, setCookie: none, session: true, sameUID: true, count: 1},
		{path: "/twice", setCookie: fresh, session: true, count: 1},
		{path: "/twice", withCookie: true, setCookie: none, session: true, sameUID: true, count: 1},
		{path: "/count", setCookie: fresh, session: true, count: 1},
		{path: "/expire", setCookie: clear, session: true, count: 0},
		{path: "/expire", withCookie: true, setCookie: clear, session: true, sameUID: true, count: 0},
		// After Expire, the new session's cookie wins over the clearing one.
		{path: "/expire-get", setCookie: fresh, session: true, count: 1},
		{path: "/expire-get", withCookie: true, setCookie: fresh, session: true, sameUID: true, count: 1},
		{path: "/renew", setCookie: fresh, session: true, count: 1},
		{path: "/renew", withCookie: true, setCookie: fresh, session: true, sameUID: true, count: 1},
		// The Cache-Control and Vary a resource set, before or after
		// GetSession, are kept, and completed.
		{path: "/nostore", withCookie: true, setCookie: clear, session: true, count: 0,
			cache: []string{"no-store"}, vary: []string{"Cookie"}},
		{path: "/maxage", withCookie: true, setCookie: none, session: true, sameUID: true, count: 1,
			cache: []string{"max-age=60", "private"}, vary: []string{"Accept-Encoding", "Cookie"}},
		{path: "/late", withCookie: true, setCookie: none, session: true, sameUID: true, count: 1,
			cache: []string{"public, max-age=60", "private"}, vary: []string{"Accept-Encoding", "Cookie"}},
		{path: "/varycookie", withCookie: true, setCookie: none, session: true, sameUID: true, count: 1,
			cache: []string{"private"}, vary: []string{"cookie"}},
	}
	for _, tt := range tests {
		name := strings.TrimPrefix(tt.path, "/")
		if tt.withCookie {
			name += "/cookie"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSessSite()
				defer s.Close()
				var cookie []string
				var uid string
				if tt.withCookie {
					uid = newVisitor(t, s)
					cookie = []string{cookieOf(uid)}
				}
				rec := visit(s, tt.path, cookie...)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				words := strings.Fields(rec.Body.String())
				setCookie := rec.Header().Values("Set-Cookie")
				switch tt.setCookie {
				case none:
					if len(setCookie) != 0 {
						t.Errorf("Set-Cookie %q, want none", setCookie)
					}
				case clear:
					if !slices.Equal(setCookie, []string{clearCookie}) {
						t.Errorf("Set-Cookie %q, want %q", setCookie, clearCookie)
					}
				case fresh:
					last := words[len(words)-1]
					if tt.path == "/count" {
						last = words[0]
					}
					checkUID(t, last)
					if !slices.Equal(setCookie, []string{defaultCookie(last)}) {
						t.Errorf("Set-Cookie %q, want %q", setCookie, defaultCookie(last))
					}
					if last == uid {
						t.Errorf("the new session kept the old uid %s", uid)
					}
					if !live(s, last) {
						t.Errorf("the new session %s is not live", last)
					}
				}
				if tt.sameUID && words[0] != uid {
					t.Errorf("body %q does not start with the cookie's uid %s", rec.Body, uid)
				}
				if tt.withCookie && tt.setCookie != none && live(s, uid) {
					t.Errorf("the old session %s is still live", uid)
				}
				if got := s.SessionCount(); got != tt.count {
					t.Errorf("SessionCount = %d, want %d", got, tt.count)
				}
				wantCache, wantVary := tt.cache, tt.vary
				if tt.session && wantCache == nil {
					wantCache, wantVary = []string{"private"}, []string{"Cookie"}
				}
				if got := rec.Header().Values("Cache-Control"); !slices.Equal(got, wantCache) {
					t.Errorf("Cache-Control %q, want %q", got, wantCache)
				}
				if got := rec.Header().Values("Vary"); !slices.Equal(got, wantVary) {
					t.Errorf("Vary %q, want %q", got, wantVary)
				}
			})
		})
	}
}

// TestSessionSliding: every GetSession touches, so a visitor who comes back
// within the timeout keeps the session; it expires exactly Timeout after
// the last visit.
func TestSessionSliding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Second
		s := newSessSite(withFactory(session.WithTimeout(timeout)))
		defer s.Close()
		start := time.Now()
		uid := newVisitor(t, s)
		for time.Since(start) < 20*time.Second {
			time.Sleep(4 * time.Second)
			rec := visit(s, "/get", cookieOf(uid))
			if got := rec.Body.String(); got != uid {
				t.Fatalf("at %v: session %s, want %s", time.Since(start), got, uid)
			}
			if c := rec.Header().Values("Set-Cookie"); len(c) != 0 {
				t.Fatalf("at %v: Set-Cookie %q for a live session", time.Since(start), c)
			}
		}
		time.Sleep(timeout - time.Nanosecond)
		synctest.Wait()
		if !live(s, uid) || s.SessionCount() != 1 {
			t.Fatalf("at %v (1ns before the timeout): live %v, %d sessions", time.Since(start), live(s, uid), s.SessionCount())
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if live(s, uid) || s.SessionCount() != 0 {
			t.Fatalf("at %v (the timeout): live %v, %d sessions", time.Since(start), live(s, uid), s.SessionCount())
		}
		rec := visit(s, "/get", cookieOf(uid))
		if got := rec.Body.String(); got == uid || len(rec.Header().Values("Set-Cookie")) != 1 {
			t.Fatalf("after expiry: session %s, Set-Cookie %q", got, rec.Header().Values("Set-Cookie"))
		}
	})
}

// TestSessionExpiryCallbacks: the callbacks run once, in order, after the
// session left the Site, whoever expires it.
func TestSessionExpiryCallbacks(t *testing.T) {
	for _, how := range []string{"timeout", "visit at the deadline", "Expire in a request", "Expire"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSessSite(withFactory(session.WithTimeout(5 * time.Second)))
				defer s.Close()
				var log testutil.Lines
				start := time.Now()
				uid := newVisitor(t, s)
				watch(t, &log, s, uid, "a", 3)
				other := newVisitor(t, s)
				watch(t, &log, s, other, "b", 1)
				time.Sleep(time.Second)
				visit(s, "/get", cookieOf(other)) // b now outlives a by a second
				time.Sleep(2 * time.Second)
				if got := log.Get(); len(got) != 0 {
					t.Fatalf("callbacks ran early: %q", got)
				}
				switch how {
				case "timeout":
					time.Sleep(2 * time.Second)
					synctest.Wait()
				case "visit at the deadline":
					// The scheduler and this request race for the
					// session; either way it is gone, once.
					time.Sleep(2 * time.Second)
					rec := visit(s, "/get", cookieOf(uid))
					if rec.Body.String() == uid {
						t.Errorf("the session was adopted at its deadline")
					}
					synctest.Wait()
				case "Expire in a request":
					visit(s, "/expire", cookieOf(uid))
				case "Expire":
					sess, _ := lookup(s, uid)
					sess.Expire()
					sess.Expire()
				}
				if got, want := log.Get(), expired("a", 3); !slices.Equal(got, want) {
					t.Fatalf("callbacks: %q, want %q", got, want)
				}
				time.Sleep(time.Until(start.Add(6 * time.Second))) // b's deadline
				synctest.Wait()
				if got, want := log.Get(), append(expired("a", 3), expired("b", 1)...); !slices.Equal(got, want) {
					t.Fatalf("callbacks: %q, want %q", got, want)
				}
				time.Sleep(time.Minute)
				synctest.Wait()
				if got := log.Get(); len(got) != 4 {
					t.Fatalf("callbacks ran again: %q", got)
				}
			})
		})
	}
}

// TestSessionLifetime: an absolute lifetime ends a session however often
// the visitor comes.
func TestSessionLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite(withFactory(session.WithLifetime(5*time.Second, 12*time.Second)))
		defer s.Close()
		var log testutil.Lines
		uid := newVisitor(t, s)
		watch(t, &log, s, uid, "a", 1)
		for range 3 {
			time.Sleep(3 * time.Second)
			if got := visit(s, "/get", cookieOf(uid)).Body.String(); got != uid {
				t.Fatalf("session %s, want %s", got, uid)
			}
		}
		// t = 9s: idle deadline 14s, lifetime 12s.
		time.Sleep(3*time.Second - time.Nanosecond)
		synctest.Wait()
		if !live(s, uid) {
			t.Fatal("expired before its lifetime")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if live(s, uid) || s.SessionCount() != 0 {
			t.Fatalf("alive after its lifetime (%d sessions)", s.SessionCount())
		}
		if got, want := log.Get(), expired("a", 1); !slices.Equal(got, want) {
			t.Fatalf("callbacks: %q, want %q", got, want)
		}
		if got := visit(s, "/get", cookieOf(uid)).Body.String(); got == uid {
			t.Fatal("the expired session was adopted")
		}
	})
}

// TestSessionExpiresDuringRequest: a session that times out between two
// GetSession calls of one request is replaced, and the new cookie is sent
// (Twisted's test_getSessionExpired).
func TestSessionExpiresDuringRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite(withFactory(session.WithTimeout(5 * time.Second)))
		defer s.Close()
		for _, cookie := range [][]string{nil, {cookieOf(newVisitor(t, s))}} {
			rec := visit(s, "/slow", cookie...)
			a, b, _ := strings.Cut(rec.Body.String(), " ")
			if a == b || live(s, a) || !live(s, b) {
				t.Fatalf("sessions %s then %s (live %v, %v)", a, b, live(s, a), live(s, b))
			}
			if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(b)}) {
				t.Fatalf("Set-Cookie %q, want %q", got, defaultCookie(b))
			}
		}
	})
}

// TestSessionBogusCookies: a cookie that names no live session is never
// adopted, and never echoed.
func TestSessionBogusCookies(t *testing.T) {
	tests := []struct {
		name  string
		value func(t *testing.T, s *site.Site) string
	}{
		{"unknown", func(*testing.T, *site.Site) string { return uuid.NewString() }},
		{"not a uuid", func(*testing.T, *site.Site) string { return "not-a-uuid" }},
		{"empty", func(*testing.T, *site.Site) string { return "" }},
		{"very long", func(*testing.T, *site.Site) string { return strings.Repeat("0123456789abcdef", 512) }},
		{"spaces", func(*testing.T, *site.Site) string { return "zq1 zq2 zq3" }},
		{"quoted", func(t *testing.T, s *site.Site) string { return `"` + newVisitor(t, s) + `"` }},
		{"padded", func(t *testing.T, s *site.Site) string { return " " + newVisitor(t, s) }},
		{"suffixed", func(t *testing.T, s *site.Site) string { return newVisitor(t, s) + "0" }},
		{"braced", func(t *testing.T, s *site.Site) string { return "{" + newVisitor(t, s) + "}" }},
		{"urn", func(t *testing.T, s *site.Site) string { return "urn:uuid:" + newVisitor(t, s) }},
		{"no dashes", func(t *testing.T, s *site.Site) string { return strings.ReplaceAll(newVisitor(t, s), "-", "") }},
		{"expired", func(t *testing.T, s *site.Site) string {
			uid := newVisitor(t, s)
			time.Sleep(16 * time.Minute)
			synctest.Wait()
			return uid
		}},
		{"expired by Expire", func(t *testing.T, s *site.Site) string {
			uid := newVisitor(t, s)
			visit(s, "/expire", cookieOf(uid))
			return uid
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSessSite()
				defer s.Close()
				bogus := tt.value(t, s)
				before := s.SessionCount()
				rec := visit(s, "/get", cookieOf(bogus))
				uid := rec.Body.String()
				checkUID(t, uid)
				if uid == strings.Trim(bogus, ` "{}`) {
					t.Fatalf("the cookie %q was adopted", bogus)
				}
				if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(uid)}) {
					t.Errorf("Set-Cookie %q, want %q", got, defaultCookie(uid))
				}
				if got := s.SessionCount(); got != before+1 {
					t.Errorf("SessionCount %d, want %d", got, before+1)
				}
				if bogus != "" {
					var dump strings.Builder
					rec.Result().Header.Write(&dump)
					dump.WriteString(rec.Body.String())
					for _, part := range strings.FieldsFunc(bogus, func(r rune) bool { return strings.ContainsRune(` "{}`, r) }) {
						if strings.Contains(dump.String(), part) {
							t.Errorf("the response contains %q:\n%s", part, dump.String())
						}
					}
				}
			})
		})
	}
}

// TestSessionMultipleCookies: as in Twisted, the last cookie of the name
// wins, across Cookie headers too.
func TestSessionMultipleCookies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite()
		defer s.Close()
		a, b := newVisitor(t, s), newVisitor(t, s)
		tests := []struct {
			cookies []string
			want    string
		}{
			{[]string{cookieOf(a) + "; " + cookieOf(b)}, b},
			{[]string{cookieOf(b), "x=1; " + cookieOf(a) + "; y=2"}, a},
			{[]string{"other=" + a + "; " + cookieOf(b)}, b},
		}
		for _, tt := range tests {
			rec := visit(s, "/get", tt.cookies...)
			if got := rec.Body.String(); got != tt.want || len(rec.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("Cookie %q: session %s (Set-Cookie %q), want %s", tt.cookies, got, rec.Header().Values("Set-Cookie"), tt.want)
			}
		}
	})
}
