package site_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/site"
)

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
	if tls {
		return testutil.ServeTLS(t, sessRoot(), configure...)
	}
	return testutil.Serve(t, sessRoot(), configure...)
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
