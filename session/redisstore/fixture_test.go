package redisstore_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
	"github.com/gotwisted/web/site"
)

// Counter is the component the test routes count visits in.
type Counter struct{ N int }

// instance is one Site on the shared Redis, served over HTTP, as one
// process of a site behind a load balancer would be.
type instance struct {
	name   string
	site   *site.Site
	srv    *httptest.Server
	client *redis.Client
	ended  *testutil.Lines
	logBuf *testutil.SyncBuffer
}

// route is a leaf whose GET body is what f returns.
type route struct {
	resource.Leaf
	f func(r *request.Request) (string, error)
}

func (x *route) RenderGET(r *request.Request) ([]byte, error) {
	s, err := x.f(r)
	return []byte(s), err
}

// routes are the pages of every instance.
func (in *instance) routes() map[string]func(r *request.Request) (string, error) {
	count := func(s *session.Session) (int, error) {
		var n int
		err := session.Update(s, nil, func(c *Counter) error {
			c.N++
			n = c.N
			return nil
		})
		return n, err
	}
	return map[string]func(r *request.Request) (string, error){
		"none": func(*request.Request) (string, error) { return "no session", nil },
		"get":  func(r *request.Request) (string, error) { return r.GetSession().UID(), nil },
		"read": func(r *request.Request) (string, error) {
			s := r.GetSession()
			return fmt.Sprint(s.UID(), " ", session.Component[Counter](s, nil).N), nil
		},
		"count": func(r *request.Request) (string, error) {
			s := r.GetSession()
			n, err := count(s)
			return fmt.Sprint(s.UID(), " ", n), err
		},
		// watch registers a callback that logs the session's end, with
		// its uid and its counter as they were then.
		"watch": func(r *request.Request) (string, error) {
			s := r.GetSession()
			s.NotifyOnExpire(func() {
				in.ended.Add(fmt.Sprint(in.name, " ", s.UID(), " ", session.Component[Counter](s, nil).N))
			})
			return s.UID(), nil
		},
		"expire": func(r *request.Request) (string, error) {
			s := r.GetSession()
			return s.UID(), s.Expire()
		},
		"renew": func(r *request.Request) (string, error) {
			old := r.GetSession().UID()
			s, err := r.RenewSession()
			if err != nil {
				return "", err
			}
			return old + " " + s.UID(), nil
		},
	}
}

// newInstance starts a Site named name on rs's Redis, with the factory f
// and the store options opts.
func newInstance(t *testing.T, rs *redisServer, name string, f session.Factory, opts redisstore.Options) *instance {
	t.Helper()
	in := &instance{name: name, client: rs.client(t), ended: new(testutil.Lines), logBuf: new(testutil.SyncBuffer)}
	root := resource.New()
	for p, f := range in.routes() {
		root.PutChild(p, &route{f: f})
	}
	in.site = site.New(root)
	in.site.SessionStore = redisstore.New(in.client, opts)
	if f != nil {
		in.site.SessionFactory = f
	}
	in.site.Logger = slog.New(slog.NewTextHandler(in.logBuf, nil))
	in.srv = httptest.NewServer(in.site)
	t.Cleanup(in.close)
	return in
}

func (in *instance) close() {
	in.srv.Close()
	in.site.Close()
}

// pair starts two instances, a and b, sharing one Redis.
func pair(t *testing.T, f session.Factory, opts redisstore.Options) (*redisServer, *instance, *instance) {
	rs := startRedis(t, false)
	return rs, newInstance(t, rs, "a", f, opts), newInstance(t, rs, "b", f, opts)
}

// answer is a response of an instance.
type answer struct {
	code   int
	body   string
	cookie string // the uid a Set-Cookie gave, "" if none, "-" if cleared
}

// get sends GET /path to in with the session cookie uid (none if empty).
func (in *instance) get(t testing.TB, path, uid string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", in.srv.URL+"/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if uid != "" {
		req.Header.Set("Cookie", site.DefaultSessionCookieName+"="+uid)
	}
	resp, err := in.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{code: resp.StatusCode, body: string(body)}
	for _, c := range resp.Cookies() {
		if c.Name == site.DefaultSessionCookieName {
			a.cookie = c.Value
			if c.MaxAge < 0 {
				a.cookie = "-"
			}
		}
	}
	return a
}

// must is get, failing t unless the answer is a 200.
func (in *instance) must(t testing.TB, path, uid string) answer {
	t.Helper()
	a := in.get(t, path, uid)
	if a.code != http.StatusOK {
		t.Fatalf("%s: GET /%s: %d %q", in.name, path, a.code, a.body)
	}
	return a
}

// visitor makes a session through in and returns its uid.
func (in *instance) visitor(t testing.TB) string {
	t.Helper()
	a := in.must(t, "get", "")
	if a.cookie == "" || a.cookie != a.body {
		t.Fatalf("%s: new visitor: body %q, cookie %q", in.name, a.body, a.cookie)
	}
	return a.body
}

// live reports whether uid names a live session, asking in.
func (in *instance) live(t testing.TB, uid string) bool {
	t.Helper()
	_, err := in.site.LookupSession(uid)
	switch {
	case err == nil:
		return true
	case err == session.ErrNotFound:
		return false
	}
	t.Fatalf("%s: LookupSession: %v", in.name, err)
	return false
}

// fields splits an answer's body "uid n".
func fields(t testing.TB, body string) (string, string) {
	t.Helper()
	uid, n, ok := strings.Cut(body, " ")
	if !ok {
		t.Fatalf("body %q is not \"uid n\"", body)
	}
	return uid, n
}

var _ = time.Now
