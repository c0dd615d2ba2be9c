package site_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/internal/testutil"
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

// watch registers n callbacks on the session uid that add "name#i" and
// whether the Site still had the session then to l.
func watch(t *testing.T, l *testutil.Lines, s *site.Site, uid, name string, n int) {
	t.Helper()
	sess, ok := lookup(s, uid)
	if !ok {
		t.Fatalf("session %s of %s is not live", uid, name)
	}
	for i := 1; i <= n; i++ {
		sess.NotifyOnExpire(func() {
			l.Add(fmt.Sprintf("%s#%d live=%v", name, i, live(s, uid)))
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
