package request_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/site"
)

// sessionPage does with the request's sessions what its first postpath
// segment says, and answers with the uid it ends with (or an error).
var sessionPage = testutil.Func(func(r *request.Request) ([]byte, error) {
	switch r.Postpath()[0] {
	case "get":
		return []byte(r.GetSession().UID()), nil
	case "twice":
		if r.Session() != nil {
			return nil, errors.New("Session before GetSession")
		}
		s := r.GetSession()
		if r.GetSession() != s || r.Session() != s {
			return nil, errors.New("a second GetSession or Session gave another session")
		}
		return []byte(s.UID()), nil
	case "expire-then-get":
		s := r.GetSession()
		s.Expire()
		again := r.GetSession()
		if again == s || again.Expired() {
			return nil, errors.New("GetSession after Expire returned the expired session")
		}
		return []byte(again.UID()), nil
	case "expire":
		r.GetSession().Expire()
		return nil, nil
	case "renew":
		s := r.GetSession()
		old := s.UID()
		if got, err := r.RenewSession(); err != nil || got != s || s.UID() == old {
			return nil, errors.New("RenewSession kept the uid")
		}
		return []byte(s.UID()), nil
	case "insecure":
		s := r.GetSession(request.ForceNotSecure)
		if r.IsSecure() && r.Session() == s {
			return nil, errors.New("the insecure session is the secure one")
		}
		return []byte(s.UID()), nil
	case "own-headers":
		r.SetHeader("Vary", "Accept-Encoding")
		r.SetHeader("Cache-Control", "public, max-age=60")
		return []byte(r.GetSession().UID()), nil
	case "no-store":
		r.SetHeader("Vary", "*")
		r.SetHeader("Cache-Control", "no-store")
		return []byte(r.GetSession().UID()), nil
	case "cookie-vary":
		r.SetHeader("Vary", "cookie")
		r.SetHeader("Cache-Control", "Private")
		return []byte(r.GetSession().UID()), nil
	case "after-write":
		r.Write([]byte("sent;"))
		return []byte(r.GetSession().UID()), nil
	}
	return []byte("none"), nil
})

// sessionCookies splits a response's Set-Cookie lines into the session
// cookies' values by name; a cleared cookie (Max-Age=0) has value "".
func sessionCookies(t *testing.T, resp *http.Response) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, c := range resp.Cookies() {
		if _, dup := got[c.Name]; dup {
			t.Errorf("two Set-Cookie lines for %s: %q", c.Name, resp.Header.Values("Set-Cookie"))
		}
		if c.MaxAge < 0 {
			got[c.Name] = ""
		} else {
			got[c.Name] = c.Value
		}
		if c.Secure != (c.Name == site.DefaultSecureSessionCookieName) {
			t.Errorf("cookie %s: Secure is %v", c.Name, c.Secure)
		}
	}
	return got
}

func TestGetSession(t *testing.T) {
	const (
		plain  = site.DefaultSessionCookieName
		secure = site.DefaultSecureSessionCookieName
	)
	_, srv := testutil.Serve(t, sessionPage)
	_, tlsSrv := testutil.ServeTLS(t, sessionPage)
	// Sessions of each kind the tests present again.
	_, known := testutil.Do(t, srv, "GET", "/get", nil)
	_, knownSecure := testutil.Do(t, tlsSrv, "GET", "/get", nil)

	tests := []struct {
		name   string
		srv    *httptest.Server
		path   string
		cookie []string // the session cookie sent: name and uid
		// want is the cookie the response sets, by name: "new" for the
		// uid in the body, "" for a cleared cookie.
		want map[string]string
		// body is "" for a fresh uid, "sent" for the uid of the cookie
		// sent, "-" for anything.
		body         string
		vary, cache  []string
		noSessionHdr bool // the response used no session
	}{
		{name: "new", srv: srv, path: "/get", want: map[string]string{plain: "new"}},
		{name: "known cookie", srv: srv, path: "/get", cookie: []string{plain, known}, body: "sent", want: map[string]string{}},
		{name: "unknown cookie", srv: srv, path: "/get", cookie: []string{plain, "nonesuch"}, want: map[string]string{plain: "new"}},
		{name: "twice in a request", srv: srv, path: "/twice", want: map[string]string{plain: "new"}},
		{name: "expired then made again", srv: srv, path: "/expire-then-get", want: map[string]string{plain: "new"}},
		{name: "known then expired", srv: srv, path: "/expire", cookie: []string{plain, known}, body: "-", want: map[string]string{plain: ""}},
		{name: "renewed", srv: srv, path: "/renew", want: map[string]string{plain: "new"}},
		{name: "TLS gets the secure session", srv: tlsSrv, path: "/get", want: map[string]string{secure: "new"}},
		{name: "TLS known", srv: tlsSrv, path: "/get", cookie: []string{secure, knownSecure}, body: "sent", want: map[string]string{}},
		{name: "TLS with ForceNotSecure", srv: tlsSrv, path: "/insecure", want: map[string]string{plain: "new"}},
		{name: "own headers merged", srv: srv, path: "/own-headers", want: map[string]string{plain: "new"},
			vary: []string{"Accept-Encoding", "Cookie"}, cache: []string{"public, max-age=60", "private"}},
		{name: "no-store and Vary * kept", srv: srv, path: "/no-store", want: map[string]string{plain: "new"},
			vary: []string{"*"}, cache: []string{"no-store"}},
		{name: "tokens in any case", srv: srv, path: "/cookie-vary", want: map[string]string{plain: "new"},
			vary: []string{"cookie"}, cache: []string{"Private"}},
		{name: "after the headers went out", srv: srv, path: "/after-write", body: "late", want: map[string]string{}, noSessionHdr: true},
		{name: "no session", srv: srv, path: "/none", body: "none", want: map[string]string{}, noSessionHdr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.cookie != nil {
				header = []string{"Cookie", tt.cookie[0] + "=" + tt.cookie[1]}
			}
			resp, body := testutil.Do(t, tt.srv, "GET", tt.path, nil, header...)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
			switch tt.body {
			case "":
				if len(body) != 36 || body == known || body == knownSecure {
					t.Errorf("body %q, want a fresh uid", body)
				}
			case "sent":
				if body != tt.cookie[1] {
					t.Errorf("body %q, want the uid sent, %q", body, tt.cookie[1])
				}
			case "late":
				if !strings.HasPrefix(body, "sent;") {
					t.Errorf("body %q", body)
				}
			case "-":
			default:
				if body != tt.body {
					t.Errorf("body %q, want %q", body, tt.body)
				}
			}
			got := sessionCookies(t, resp)
			want := map[string]string{}
			for name, v := range tt.want {
				if v == "new" {
					v = body
				}
				want[name] = v
			}
			if len(got) != len(want) {
				t.Errorf("session cookies %q, want %q", got, want)
			}
			for name, v := range want {
				if g, ok := got[name]; !ok || g != v {
					t.Errorf("cookie %s = %q (set: %v), want %q", name, g, ok, v)
				}
			}
			vary, cache := tt.vary, tt.cache
			if vary == nil && !tt.noSessionHdr {
				vary, cache = []string{"Cookie"}, []string{"private"}
			}
			if got := resp.Header.Values("Vary"); !slices.Equal(got, vary) {
				t.Errorf("Vary %q, want %q", got, vary)
			}
			if got := resp.Header.Values("Cache-Control"); !slices.Equal(got, cache) {
				t.Errorf("Cache-Control %q, want %q", got, cache)
			}
		})
	}
}

// TestGetSessionWithoutSessions shows that a Request made without a
// session source panics in GetSession, with the package's prefix.
func TestGetSessionWithoutSessions(t *testing.T) {
	defer func() {
		if v, _ := recover().(string); !strings.HasPrefix(v, "request: ") {
			t.Errorf("recover() = %q, want a request: panic", v)
		}
	}()
	request.New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil).GetSession()
}
