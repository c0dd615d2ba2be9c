package inspect_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

// notFound is the body of the tree's 404 page.
var notFound = func() string {
	rec := httptest.NewRecorder()
	body, _ := resource.NoResource("").Render(request.New(rec, httptest.NewRequest("GET", "/", nil), nil))
	return string(body)
}()

// TestLoopbackOnly: the inspector answers loopback clients, and gives any
// other the tree's 404 page unless AllowClient lets it in.
func TestLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		remote string
		allow  func(netip.Addr) bool
		want   int
	}{
		{"127.0.0.1:1234", nil, http.StatusOK},
		{"127.9.9.9:1234", nil, http.StatusOK},
		{"[::1]:1234", nil, http.StatusOK},
		{"[::ffff:127.0.0.1]:1234", nil, http.StatusOK},
		{"192.0.2.1:1234", nil, http.StatusNotFound},
		{"[2001:db8::1]:1234", nil, http.StatusNotFound},
		{"10.0.0.1:1234", nil, http.StatusNotFound},
		{"garbage", nil, http.StatusNotFound},
		{"192.0.2.1:1234", func(a netip.Addr) bool { return a == netip.MustParseAddr("192.0.2.1") }, http.StatusOK},
		{"127.0.0.1:1234", func(netip.Addr) bool { return false }, http.StatusNotFound},
	} {
		root := resource.New()
		ins := inspect.New()
		ins.AllowClient = tc.allow
		root.PutChild("_inspect", ins)
		s := site.New(root)
		s.Inspector = ins
		testutil.Quiet(s)
		for _, path := range []string{"/_inspect/", "/_inspect/part/tree", "/_inspect/inspect.js"} {
			req := httptest.NewRequest("GET", "http://localhost"+path, nil)
			req.RemoteAddr = tc.remote
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("%s from %s: %d, want %d", path, tc.remote, rec.Code, tc.want)
			}
			if tc.want == http.StatusNotFound && rec.Body.String() != notFound {
				t.Errorf("%s from %s: body %q, want the tree's 404 page", path, tc.remote, rec.Body)
			}
		}
		s.Close()
	}
}

// TestBehindProxy: with proxy headers trusted, or a request that says it
// came through a proxy, the inspector answers nobody unless AllowProxied;
// then the client checked is the one the Site believes in.
func TestBehindProxy(t *testing.T) {
	for _, tc := range []struct {
		name         string
		trust, allow bool
		header       []string
		want         int
	}{
		{"X-Forwarded-For", false, false, []string{"X-Forwarded-For", "127.0.0.1"}, http.StatusNotFound},
		{"Forwarded", false, false, []string{"Forwarded", "for=127.0.0.1"}, http.StatusNotFound},
		{"trusted proxy headers", true, false, nil, http.StatusNotFound},
		{"trusted proxy headers, loopback forwarded", true, false, []string{"X-Forwarded-For", "127.0.0.1"}, http.StatusNotFound},
		{"AllowProxied, X-Forwarded-For untrusted", false, true, []string{"X-Forwarded-For", "203.0.113.5"}, http.StatusOK},
		{"AllowProxied, trusted, remote forwarded", true, true, []string{"X-Forwarded-For", "203.0.113.5"}, http.StatusNotFound},
		{"AllowProxied, trusted, loopback forwarded", true, true, []string{"X-Forwarded-For", "127.0.0.1"}, http.StatusOK},
		// The client wrote "127.0.0.1" itself; the proxy appended the address it saw.
		{"AllowProxied, trusted, loopback claimed", true, true, []string{"X-Forwarded-For", "127.0.0.1, 203.0.113.5"}, http.StatusNotFound},
		{"AllowProxied, trusted, nothing forwarded", true, true, nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, resource.New(), func(s *site.Site, ins *inspect.Inspector) {
				s.TrustProxyHeaders = tc.trust
				ins.AllowProxied = tc.allow
				testutil.Quiet(s)
			})
			resp, body := s.get(t, "/_inspect/", tc.header...)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
			}
			if tc.want == http.StatusNotFound && body != notFound {
				t.Errorf("%s: body %q, want the tree's 404 page", tc.name, body)
			}
		})
	}
}

// TestDNSRebinding: a web page of any site that the inspector's user
// visits can point its own name at 127.0.0.1 and then read the inspector
// as a page of its own origin: the client is loopback, but the Host is
// the page's name. With the default loopback check, the inspector answers
// only a Host that names this machine: localhost, a name under .localhost,
// or an address. (It answered any Host.)
func TestDNSRebinding(t *testing.T) {
	s := serve(t, resource.New(), func(s *site.Site, _ *inspect.Inspector) { testutil.Quiet(s) })
	_, port, _ := strings.Cut(strings.TrimPrefix(s.srv.URL, "http://"), ":")
	for host, want := range map[string]int{
		"attacker.example:" + port:           http.StatusNotFound,
		"attacker.example":                   http.StatusNotFound,
		"localhost.attacker.example:" + port: http.StatusNotFound,
		"localhost:" + port:                  http.StatusOK,
		"LocalHost.:" + port:                 http.StatusOK,
		"app.localhost:" + port:              http.StatusOK,
		"127.0.0.1:" + port:                  http.StatusOK,
		"[::1]:" + port:                      http.StatusOK,
		"192.0.2.7:" + port:                  http.StatusOK, // an address is no name to rebind
	} {
		for _, path := range []string{"/_inspect/", "/_inspect/part/requests"} {
			req := testutil.NewRequest(t, "GET", s.srv.URL+path, nil)
			req.Host = host
			if resp, _ := testutil.Send(t, s.srv.Client(), req); resp.StatusCode != want {
				t.Errorf("GET %s with Host %s: %s, want %d", path, host, resp.Status, want)
			}
		}
	}
	// With AllowClient, the program says who may see it, whatever the
	// Host: a classroom reaches it by the machine's name.
	s = serve(t, resource.New(), func(s *site.Site, ins *inspect.Inspector) {
		ins.AllowClient = func(netip.Addr) bool { return true }
	})
	req := testutil.NewRequest(t, "GET", s.srv.URL+"/_inspect/", nil)
	req.Host = "teacher.example"
	if resp, _ := testutil.Send(t, s.srv.Client(), req); resp.StatusCode != http.StatusOK {
		t.Errorf("with AllowClient, Host teacher.example: %s, want 200", resp.Status)
	}
}

// TestRefusalLogged: a refusal says why, in the Site's log.
func TestRefusalLogged(t *testing.T) {
	recs := new(records)
	s := serve(t, resource.New(), func(s *site.Site, _ *inspect.Inspector) { s.Logger = slogNew(recs) })
	s.get(t, "/_inspect/", "X-Forwarded-For", "127.0.0.1")
	msgs := recs.messages()
	if len(msgs) != 1 || msgs[0] != "inspect: refused" {
		t.Fatalf("log: %q, want one refusal", msgs)
	}
	if why := recs.attr(0, "why"); !strings.Contains(why, "proxy") {
		t.Errorf("why: %q", why)
	}
}

// hostile is a path segment that would be markup if it were not escaped.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>'&`

// TestEscaping: segment names, in the tree and in the requests, are shown
// escaped, never as markup.
func TestEscaping(t *testing.T) {
	root := resource.New()
	root.PutChild(hostile, page{})
	root.PutChild("dyn", &dynamic{})
	s := serve(t, root)
	escaped := "/" + request.QuoteSegment(hostile)
	s.get(t, escaped)
	s.get(t, "/dyn"+escaped+escaped)
	s.get(t, "/"+strings.ReplaceAll(hostile, "/", "%2F")+"?<script>=1")
	for _, p := range []string{"/_inspect/", "/_inspect/tree", "/_inspect/requests", "/_inspect/part/tree", "/_inspect/part/requests"} {
		_, body := s.get(t, p)
		for _, bad := range []string{"<script>alert", "<img", "onerror=alert(1)>", `"x")`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s shows %q unescaped", p, bad)
			}
		}
		if p != "/_inspect/" && !strings.Contains(body, "&lt;script&gt;alert(") {
			t.Errorf("%s does not show the hostile name, escaped", p)
		}
	}
	if got := lines(s.view(t, "tree"), `<div class="node">`); !strings.Contains(strings.Join(got, "\n"), `"<script>alert(\"x\")</script><img src=x onerror=alert(1)>'&"`) {
		t.Errorf("the tree does not show the hostile name as a reader should see it:\n%s", strings.Join(got, "\n"))
	}
}

// TestHeaders: the pages forbid inline scripts and framing and are not
// cached; the script and the style sheet have their types.
func TestHeaders(t *testing.T) {
	s := serve(t, resource.New())
	for path, ctype := range map[string]string{
		"/_inspect/":            "text/html",
		"/_inspect/tree":        "text/html",
		"/_inspect/part/tree":   "text/html; charset=utf-8",
		"/_inspect/inspect.js":  "text/javascript; charset=utf-8",
		"/_inspect/inspect.css": "text/css; charset=utf-8",
	} {
		resp, _ := s.get(t, path)
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != ctype || h.Get("Cache-Control") != "no-store" ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: %s, headers %v", path, resp.Status, h)
		}
	}
	for _, path := range []string{"/_inspect/nope", "/_inspect/part/nope", "/_inspect/tree/more"} {
		if resp, _ := s.get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}
	if resp, _ := s.do(t, "POST", "/_inspect/", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", resp.Status)
	}
}

// TestNotAttached: an Inspector mounted in a tree but not attached to its
// Site says so, and records nothing.
func TestNotAttached(t *testing.T) {
	root := resource.New()
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	root.PutChild("about", page{})
	s := site.New(root)
	srv := httptest.NewServer(s)
	defer s.Close()
	defer srv.Close()
	if resp, err := srv.Client().Get(srv.URL + "/about"); err == nil {
		resp.Body.Close()
	}
	resp, err := srv.Client().Get(srv.URL + "/_inspect/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	if !strings.Contains(b.String(), "Not attached to a Site") || strings.Contains(b.String(), "/about") {
		t.Errorf("an unattached inspector shows:\n%s", b.String())
	}
}

// TestAttachedTwice: an Inspector serves one Site; a second one panics at
// its first request.
func TestAttachedTwice(t *testing.T) {
	ins := inspect.New()
	root := resource.New()
	root.PutChild("inspect", ins)
	first, second := site.New(root), site.New(resource.New())
	defer first.Close()
	defer second.Close()
	first.Inspector, second.Inspector = ins, ins
	serveOne := func(s *site.Site) (panicked any) {
		defer func() { panicked = recover() }()
		req := httptest.NewRequest("GET", "/", nil)
		s.ServeHTTP(httptest.NewRecorder(), req)
		return nil
	}
	if p := serveOne(first); p != nil {
		t.Fatalf("the first Site panicked: %v", p)
	}
	if p := serveOne(second); p == nil || !strings.Contains(p.(string), "second Site") {
		t.Fatalf("the second Site: panic %v", p)
	}
	// Its later requests are not recorded by the first Site's Inspector
	// (they were: the panic came after the Site had taken the Inspector).
	second.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a-visitor-of-the-second-site", nil))
	first.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a-visitor-of-the-first-site", nil))
	page := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "http://localhost/inspect/part/requests", nil)
	req.RemoteAddr = "127.0.0.1:1234" // the inspector answers its own machine only
	first.ServeHTTP(page, req)
	if body := page.Body.String(); !strings.Contains(body, "a-visitor-of-the-first-site") || strings.Contains(body, "a-visitor-of-the-second-site") {
		t.Errorf("the first Site's Inspector should show its own request and not the second Site's: %d %.300q", page.Code, body)
	}
}

// form reads a posted body and keeps a session.
type form struct{ resource.Leaf }

func (form) RenderPOST(r *request.Request) ([]byte, error) {
	r.GetSession()
	_, err := r.Args()
	return []byte("thanks"), err
}

func (form) RenderGET(r *request.Request) ([]byte, error) {
	return []byte(r.GetSession().UID()), nil
}

// TestNothingSecret: no view shows a session id whole, a cookie, an
// Authorization header, a query or a body.
func TestNothingSecret(t *testing.T) {
	root := resource.New()
	root.PutChild("form", form{})
	s := serve(t, root)
	_, uid := s.get(t, "/form")
	cookie := site.DefaultSessionCookieName + "=" + uid + "; other=SECRET-COOKIE"
	s.get(t, "/form?token=SECRET-QUERY", "Cookie", cookie, "Authorization", "Basic U0VDUkVULUFVVEg=")
	s.do(t, "POST", "/form", strings.NewReader("field=SECRET-BODY"),
		"Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer SECRET-AUTH")
	for _, p := range []string{"/_inspect/", "/_inspect/tree", "/_inspect/requests", "/_inspect/sessions",
		"/_inspect/part/requests", "/_inspect/part/sessions"} {
		_, body := s.get(t, p)
		for _, secret := range []string{"SECRET-COOKIE", "SECRET-QUERY", "SECRET-BODY", "SECRET-AUTH", "U0VDUkVU", uid, uid[:9]} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", p, secret)
			}
		}
	}
	if rows := lines(s.view(t, "sessions"), `<tr><td><code>`); len(rows) != 1 || !strings.HasPrefix(rows[0], uid[:8]+"… ") {
		t.Errorf("the session rows: %q, want one for %s…", rows, uid[:8])
	}
	for _, m := range s.log.messages() {
		if strings.Contains(m, "SECRET-QUERY") || strings.Contains(m, uid) {
			t.Errorf("the Log shows a secret: %q", m)
		}
	}
}
