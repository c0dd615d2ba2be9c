package site_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// sessFunc is a leaf whose GET body is what f returns.
type sessFunc struct {
	resource.Leaf
	f func(r *request.Request) string
}

func (x *sessFunc) RenderGET(r *request.Request) ([]byte, error) { return []byte(x.f(r)), nil }

// sessCounter is a session component that requests change concurrently.
type sessCounter struct{ N int64 }

// count adds one to the sessCounter of s and returns the new count, or -1.
func count(s *session.Session) int64 {
	var n int64 = -1
	if err := session.Update(s, nil, func(c *sessCounter) error { c.N++; n = c.N; return nil }); err != nil {
		return -1
	}
	return n
}

// sessUser is a session component naming the visitor.
type sessUser string

func uidOrNil(s *session.Session) string {
	if s == nil {
		return "nil"
	}
	return s.UID()
}

// sessRoutes are the children of sessRoot, by name.
var sessRoutes = map[string]func(r *request.Request) string{
	"none": func(*request.Request) string { return "no session" },
	"get":  func(r *request.Request) string { return r.GetSession().UID() },
	"twice": func(r *request.Request) string {
		a, b := r.GetSession(), r.GetSession()
		if a != b {
			return "two sessions: " + a.UID() + " " + b.UID()
		}
		return a.UID()
	},
	"insecure": func(r *request.Request) string { return r.GetSession(request.ForceNotSecure).UID() },
	"both": func(r *request.Request) string {
		return r.GetSession().UID() + " " + r.GetSession(request.ForceNotSecure).UID()
	},
	// attr reports Request.Session around the two GetSession calls
	// (Twisted's test_sessionAttribute).
	"attr": func(r *request.Request) string {
		before := uidOrNil(r.Session())
		insecure := r.GetSession(request.ForceNotSecure)
		mid := uidOrNil(r.Session())
		s := r.GetSession()
		after := uidOrNil(r.Session())
		return strings.Join([]string{before, insecure.UID(), mid, s.UID(), after}, " ")
	},
	"expire": func(r *request.Request) string {
		s := r.GetSession()
		s.Expire()
		return s.UID()
	},
	// expire-get is Twisted #9385: after Expire, GetSession in the same
	// request makes a new session.
	"expire-get": func(r *request.Request) string {
		s := r.GetSession()
		s.Expire()
		n := r.GetSession()
		if r.GetSession() != n {
			return "unstable"
		}
		return s.UID() + " " + n.UID()
	},
	"renew": func(r *request.Request) string {
		old := r.GetSession().UID()
		s, err := r.RenewSession()
		if err != nil {
			return err.Error()
		}
		return old + " " + s.UID()
	},
	"count": func(r *request.Request) string {
		s := r.GetSession()
		return fmt.Sprint(s.UID(), " ", count(s))
	},
	// slow outlives a 5s session timeout between two GetSession calls
	// (Twisted's test_getSessionExpired). Only in a synctest bubble.
	"slow": func(r *request.Request) string {
		a := r.GetSession()
		time.Sleep(6 * time.Second)
		b := r.GetSession()
		return a.UID() + " " + b.UID()
	},
	// nostore is a logout page: no-store, then Expire.
	"nostore": func(r *request.Request) string {
		r.SetHeader("Cache-Control", "no-store")
		r.GetSession().Expire()
		return "bye"
	},
	"maxage": func(r *request.Request) string {
		r.SetHeader("Cache-Control", "max-age=60")
		r.SetHeader("Vary", "Accept-Encoding")
		return r.GetSession().UID()
	},
	// late sets its caching headers after GetSession: they must not
	// make a session response cacheable by shared caches.
	"late": func(r *request.Request) string {
		uid := r.GetSession().UID()
		r.SetHeader("Cache-Control", "public, max-age=60")
		r.SetHeader("Vary", "Accept-Encoding")
		return uid
	},
	"varycookie": func(r *request.Request) string {
		r.SetHeader("Vary", "cookie")
		return r.GetSession().UID()
	},
}

// sessRoot returns a tree with the sessRoutes as children.
func sessRoot() *resource.Base {
	root := resource.New()
	for name, f := range sessRoutes {
		root.PutChild(name, &sessFunc{f: f})
	}
	return root
}

// newSessSite returns a Site over sessRoot, configured.
func newSessSite(configure ...func(*site.Site)) *site.Site {
	s := site.New(sessRoot())
	for _, f := range configure {
		f(s)
	}
	return s
}

func withFactory(f session.Factory) func(*site.Site) {
	return func(s *site.Site) { s.SessionFactory = f }
}

// visit serves GET target on s in process, sending cookie as the Cookie
// header unless it is empty.
func visit(s http.Handler, target string, cookie ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	for _, c := range cookie {
		req.Header.Add("Cookie", c)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// newVisitor makes a session through GET /get and returns its uid.
func newVisitor(t *testing.T, s *site.Site) string {
	t.Helper()
	rec := visit(s, "/get")
	uid := rec.Body.String()
	checkUID(t, uid)
	if got, want := rec.Header().Values("Set-Cookie"), []string{defaultCookie(uid)}; !slices.Equal(got, want) {
		t.Fatalf("new visitor: Set-Cookie %q, want %q", got, want)
	}
	return uid
}

func cookieOf(uid string) string { return site.DefaultSessionCookieName + "=" + uid }

func defaultCookie(uid string) string {
	return site.DefaultSessionCookieName + "=" + uid + "; Path=/; HttpOnly; SameSite=Lax"
}

const clearCookie = site.DefaultSessionCookieName + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"

// checkUID fails unless uid is a random (version 4) UUID in canonical text
// form.
func checkUID(t *testing.T, uid string) {
	t.Helper()
	u, err := uuid.Parse(uid)
	if err != nil || u.String() != uid || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("uid %q is not a canonical v4 UUID (%v)", uid, err)
	}
}

// lookup returns the live session of s named uid.
func lookup(s *site.Site, uid string) (*session.Session, bool) {
	sess, err := s.LookupSession(uid)
	return sess, err == nil
}

// live reports whether uid names a live session of s.
func live(s *site.Site, uid string) bool {
	_, ok := lookup(s, uid)
	return ok
}

// sessLog records expiry callbacks, and what the Site said when they ran.
type sessLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *sessLog) add(e string) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *sessLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// watch registers n callbacks on the session uid that log "name#i" and
// whether the Site still had the session then.
func (l *sessLog) watch(t *testing.T, s *site.Site, uid, name string, n int) {
	t.Helper()
	sess, ok := lookup(s, uid)
	if !ok {
		t.Fatalf("session %s of %s is not live", uid, name)
	}
	for i := 1; i <= n; i++ {
		sess.NotifyOnExpire(func() {
			l.add(fmt.Sprintf("%s#%d live=%v", name, i, live(s, uid)))
		})
	}
}

func expired(name string, n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("%s#%d live=false", name, i))
	}
	return out
}

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
				var log sessLog
				start := time.Now()
				uid := newVisitor(t, s)
				log.watch(t, s, uid, "a", 3)
				other := newVisitor(t, s)
				log.watch(t, s, other, "b", 1)
				time.Sleep(time.Second)
				visit(s, "/get", cookieOf(other)) // b now outlives a by a second
				time.Sleep(2 * time.Second)
				if got := log.get(); len(got) != 0 {
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
				if got, want := log.get(), expired("a", 3); !slices.Equal(got, want) {
					t.Fatalf("callbacks: %q, want %q", got, want)
				}
				time.Sleep(time.Until(start.Add(6 * time.Second))) // b's deadline
				synctest.Wait()
				if got, want := log.get(), append(expired("a", 3), expired("b", 1)...); !slices.Equal(got, want) {
					t.Fatalf("callbacks: %q, want %q", got, want)
				}
				time.Sleep(time.Minute)
				synctest.Wait()
				if got := log.get(); len(got) != 4 {
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
		var log sessLog
		uid := newVisitor(t, s)
		log.watch(t, s, uid, "a", 1)
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
		if got, want := log.get(), expired("a", 1); !slices.Equal(got, want) {
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

// TestRenewSession: the data and callbacks move to a fresh uid, and the old
// uid is worthless.
func TestRenewSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSessSite()
		defer s.Close()
		var log sessLog
		old := newVisitor(t, s)
		visit(s, "/count", cookieOf(old))
		visit(s, "/count", cookieOf(old))
		log.watch(t, s, old, "a", 2)
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
		if got, want := log.get(), expired("a", 2); !slices.Equal(got, want) {
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
		var log sessLog
		var uids []string
		for i := range 4 {
			uid := newVisitor(t, s)
			log.watch(t, s, uid, fmt.Sprint("v", i), 2)
			uids = append(uids, uid)
			if got := s.SessionCount(); got != min(i+1, 3) {
				t.Fatalf("after visitor %d: %d sessions", i, got)
			}
			time.Sleep(time.Second)
		}
		// The eviction ran in the fourth request, before it returned.
		if got, want := log.get(), expired("v0", 2); !slices.Equal(got, want) {
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
		if got, want := log.get(), append(expired("v0", 2), expired("v1", 2)...); !slices.Equal(got, want) {
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
		var log sessLog
		uid := newVisitor(t, s)
		log.watch(t, s, uid, "a", 1)
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
		if got := log.get(); len(got) != 0 {
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
		var log sessLog
		users := map[string]sessUser{}
		for i, name := range []sessUser{"alice", "bob", "alice", "carol", "alice", "bob"} {
			uid := newVisitor(t, s)
			sess, _ := lookup(s, uid)
			if err := session.Update(sess, nil, func(u *sessUser) error { *u = name; return nil }); err != nil {
				t.Fatal(err)
			}
			log.watch(t, s, uid, fmt.Sprint(name, i), 1)
			users[uid] = name
		}
		seen := 0
		for sess := range s.Sessions() {
			seen++
			if u, _ := session.Get[sessUser](sess); u == "alice" {
				sess.Expire()
			}
		}
		if seen != 6 || s.SessionCount() != 3 || len(log.get()) != 3 {
			t.Fatalf("saw %d, %d left, callbacks %q", seen, s.SessionCount(), log.get())
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
		if seen != 1 || s.SessionCount() != 0 || len(log.get()) != 6 {
			t.Fatalf("saw %d, %d left, callbacks %q", seen, s.SessionCount(), log.get())
		}
	})
}

// TestSessionCookieConfig: the cookie's name and attributes come from
// SessionCookie and SecureSessionCookieName, for setting, reading and
// clearing it.
func TestSessionCookieConfig(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*site.Site)
		secure    bool
		cookie    string // the name to send back
		set       string // the Set-Cookie line, with UID for the uid
		clear     string
	}{
		{
			name:   "default",
			cookie: "TWISTED_SESSION",
			set:    "TWISTED_SESSION=UID; Path=/; HttpOnly; SameSite=Lax",
			clear:  "TWISTED_SESSION=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
		},
		{
			name:   "default secure",
			secure: true,
			cookie: "TWISTED_SECURE_SESSION",
			set:    "TWISTED_SECURE_SESSION=UID; Path=/; HttpOnly; Secure; SameSite=Lax",
			clear:  "TWISTED_SECURE_SESSION=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "custom",
			configure: func(s *site.Site) {
				s.SessionCookie = http.Cookie{Name: "sid", Path: "/app", Domain: "example.com", SameSite: http.SameSiteStrictMode}
			},
			cookie: "sid",
			set:    "sid=UID; Path=/app; Domain=example.com; SameSite=Strict",
			clear:  "sid=; Path=/app; Domain=example.com; Max-Age=0; SameSite=Strict",
		},
		{
			name: "custom secure",
			configure: func(s *site.Site) {
				s.SessionCookie = http.Cookie{Name: "sid", Path: "/app", Domain: "example.com", HttpOnly: true, SameSite: http.SameSiteNoneMode, MaxAge: 3600}
				s.SecureSessionCookieName = "ssid"
			},
			secure: true,
			cookie: "ssid",
			set:    "ssid=UID; Path=/app; Domain=example.com; Max-Age=3600; HttpOnly; Secure; SameSite=None",
			clear:  "ssid=; Path=/app; Domain=example.com; Max-Age=0; HttpOnly; Secure; SameSite=None",
		},
		{
			name:      "no SameSite, no HttpOnly",
			configure: func(s *site.Site) { s.SessionCookie.HttpOnly, s.SessionCookie.SameSite = false, 0 },
			cookie:    "TWISTED_SESSION",
			set:       "TWISTED_SESSION=UID; Path=/",
			clear:     "TWISTED_SESSION=; Path=/; Max-Age=0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configure := []func(*site.Site){}
			if tt.configure != nil {
				configure = append(configure, tt.configure)
			}
			s := newSessSite(configure...)
			defer s.Close()
			scheme := "http"
			if tt.secure {
				scheme = "https"
			}
			rec := visit(s, scheme+"://example.com/get")
			uid := rec.Body.String()
			checkUID(t, uid)
			want := strings.Replace(tt.set, "UID", uid, 1)
			if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{want}) {
				t.Fatalf("Set-Cookie %q, want %q", got, want)
			}
			rec = visit(s, scheme+"://example.com/get", tt.cookie+"="+uid)
			if rec.Body.String() != uid || len(rec.Header().Values("Set-Cookie")) != 0 {
				t.Fatalf("the cookie %s was not honoured: %s, Set-Cookie %q", tt.cookie, rec.Body, rec.Header().Values("Set-Cookie"))
			}
			for _, other := range []string{"TWISTED_SESSION", "TWISTED_SECURE_SESSION", "sid", "ssid"} {
				if other == tt.cookie {
					continue
				}
				if got := visit(s, scheme+"://example.com/get", other+"="+uid).Body.String(); got == uid {
					t.Errorf("the cookie %s was honoured", other)
				}
			}
			rec = visit(s, scheme+"://example.com/expire", tt.cookie+"="+uid)
			if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{tt.clear}) {
				t.Fatalf("clearing Set-Cookie %q, want %q", got, tt.clear)
			}
		})
	}
}

// sessGet sends GET path to a TLS or plain test server with the cookies,
// and returns the body and the Set-Cookie lines by cookie name.
func sessGet(t *testing.T, srv *httptest.Server, path string, header http.Header) (string, map[string]string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(line, "=")
		if _, dup := set[name]; dup {
			t.Errorf("two Set-Cookie lines for %s: %q", name, resp.Header.Values("Set-Cookie"))
		}
		set[name] = line
	}
	return string(b), set
}

func startSessServer(t *testing.T, tls bool, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	s := newSessSite(configure...)
	srv := httptest.NewUnstartedServer(s)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return s, srv
}

func secureCookie(uid string) string {
	return site.DefaultSecureSessionCookieName + "=" + uid + "; Path=/; HttpOnly; Secure; SameSite=Lax"
}

// TestSessionTLS: over TLS the secure session is the default, with its own
// cookie; ForceNotSecure gives the insecure one (Twisted's
// test_sessionDifferentFromSecureSession and test_sessionAttribute).
func TestSessionTLS(t *testing.T) {
	_, srv := startSessServer(t, true)

	body, set := sessGet(t, srv, "/get", nil)
	sec := body
	checkUID(t, sec)
	if want := map[string]string{site.DefaultSecureSessionCookieName: secureCookie(sec)}; !maps.Equal(set, want) {
		t.Fatalf("first TLS cookie %q, want %q", set, want)
	}
	body, set = sessGet(t, srv, "/insecure", nil)
	insec := body
	checkUID(t, insec)
	if want := map[string]string{site.DefaultSessionCookieName: defaultCookie(insec)}; !maps.Equal(set, want) {
		t.Fatalf("ForceNotSecure cookie %q, want %q", set, want)
	}
	if insec == sec {
		t.Fatal("the secure and insecure sessions share a uid")
	}

	// A fresh TLS visitor asking for both gets two sessions and two cookies.
	body, set = sessGet(t, srv, "/both", nil)
	a, b, _ := strings.Cut(body, " ")
	if a == b || set[site.DefaultSecureSessionCookieName] != secureCookie(a) || set[site.DefaultSessionCookieName] != defaultCookie(b) {
		t.Fatalf("both: %q, Set-Cookie %q", body, set)
	}

	// Both cookies sent back: both sessions, no Set-Cookie.
	both := http.Header{"Cookie": {site.DefaultSecureSessionCookieName + "=" + sec + "; " + site.DefaultSessionCookieName + "=" + insec}}
	body, set = sessGet(t, srv, "/both", both)
	if body != sec+" "+insec || len(set) != 0 {
		t.Fatalf("both with cookies: %q, Set-Cookie %q", body, set)
	}
	// Only the insecure cookie: the secure session is new.
	body, set = sessGet(t, srv, "/both", http.Header{"Cookie": {site.DefaultSessionCookieName + "=" + insec}})
	a, b, _ = strings.Cut(body, " ")
	if a == sec || a == insec || b != insec || len(set) != 1 || set[site.DefaultSecureSessionCookieName] != secureCookie(a) {
		t.Fatalf("insecure cookie only: %q, Set-Cookie %q", body, set)
	}

	// Request.Session follows IsSecure: nil until the secure one is got.
	body, _ = sessGet(t, srv, "/attr", both)
	if want := strings.Join([]string{"nil", insec, "nil", sec, sec}, " "); body != want {
		t.Fatalf("Session() over TLS: %q, want %q", body, want)
	}
}

// TestSessionPlainHTTP: over plain HTTP only the insecure session exists.
func TestSessionPlainHTTP(t *testing.T) {
	s, srv := startSessServer(t, false)
	body, set := sessGet(t, srv, "/both", nil)
	a, b, _ := strings.Cut(body, " ")
	checkUID(t, a)
	if a != b || !maps.Equal(set, map[string]string{site.DefaultSessionCookieName: defaultCookie(a)}) {
		t.Fatalf("both over HTTP: %q, Set-Cookie %q", body, set)
	}
	if s.SessionCount() != 1 {
		t.Fatalf("%d sessions, want 1", s.SessionCount())
	}
	// A secure cookie sent over HTTP names nothing.
	body, set = sessGet(t, srv, "/get", http.Header{"Cookie": {site.DefaultSecureSessionCookieName + "=" + a}})
	if body == a || set[site.DefaultSessionCookieName] != defaultCookie(body) {
		t.Fatalf("secure cookie over HTTP: %q, Set-Cookie %q", body, set)
	}
	body, _ = sessGet(t, srv, "/attr", http.Header{"Cookie": {site.DefaultSessionCookieName + "=" + a}})
	if want := strings.Join([]string{"nil", a, a, a, a}, " "); body != want {
		t.Fatalf("Session() over HTTP: %q, want %q", body, want)
	}
}

// TestSessionForwardedProto: behind a trusted proxy, X-Forwarded-Proto:
// https gives the secure session.
func TestSessionForwardedProto(t *testing.T) {
	tests := []struct {
		trust  bool
		proto  string
		secure bool
	}{
		{trust: true, proto: "https", secure: true},
		{trust: true, proto: "HTTPS", secure: true},
		{trust: true, proto: "http", secure: false},
		{trust: true, proto: "", secure: false},
		{trust: false, proto: "https", secure: false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("trust=%v/proto=%q", tt.trust, tt.proto), func(t *testing.T) {
			_, srv := startSessServer(t, false, func(s *site.Site) { s.TrustProxyHeaders = tt.trust })
			h := http.Header{}
			if tt.proto != "" {
				h.Set("X-Forwarded-Proto", tt.proto)
			}
			uid, set := sessGet(t, srv, "/get", h)
			want := map[string]string{site.DefaultSessionCookieName: defaultCookie(uid)}
			if tt.secure {
				want = map[string]string{site.DefaultSecureSessionCookieName: secureCookie(uid)}
			}
			if !maps.Equal(set, want) {
				t.Fatalf("Set-Cookie %q, want %q", set, want)
			}
		})
	}
}
