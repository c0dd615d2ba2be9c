package guard_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
)

func basicAuth(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func TestBasic(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, target, auth string
		code                       int
		body                       string
	}{
		{"no credentials", "GET", "/private/", "", 401, "Unauthorized"},
		{"no credentials HEAD", "HEAD", "/private/", "", 401, ""},
		{"index", "GET", "/private/", basicAuth("alice", "wonderland"), 200, "alice's index"},
		{"child", "GET", "/private/a", basicAuth("alice", "wonderland"), 200, "alice's a"},
		{"guard itself", "GET", "/private", basicAuth("alice", "wonderland"), 200, "alice's home"},
		{"below a child", "GET", "/private/a/b", basicAuth("alice", "wonderland"), 404, "No Such Resource"},
		{"own tree", "GET", "/private/a", basicAuth("bob", "builder"), 200, "bob's a"},
		{"leaf avatar", "GET", "/private/x/y", basicAuth("carol", "singer"), 200, `leaf ["x" "y"]`},
		{"unpadded", "GET", "/private/a", "Basic " + base64.RawStdEncoding.EncodeToString([]byte("bob:builder")), 200, "bob's a"},
		{"scheme case", "GET", "/private/a", "bAsIc " + base64.StdEncoding.EncodeToString([]byte("bob:builder")), 200, "bob's a"},
		{"wrong password", "GET", "/private/a", basicAuth("alice", "builder"), 401, "Unauthorized"},
		{"unknown user", "GET", "/private/a", basicAuth("mallory", "x"), 401, "Unauthorized"},
		{"refused by realm", "GET", "/private/a", basicAuth("eve", "x"), 401, "Unauthorized"},
		{"no colon", "GET", "/private/a", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice")), 401, "Unauthorized"},
		{"bad base64", "GET", "/private/a", "Basic !!!", 401, "Unauthorized"},
		{"unknown scheme", "GET", "/private/a", "Bearer abc", 401, "Unauthorized"},
		{"realm error", "GET", "/private/a", basicAuth("dave", "x"), 500, "Processing Failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(t, tt.method, tt.target, tt.auth)
			if resp.StatusCode != tt.code || body != tt.body && !strings.Contains(body, tt.body) || tt.body == "" && body != "" {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.code, tt.body)
			}
			if tt.code != 401 {
				return
			}
			ch := resp.Header.Values("WWW-Authenticate")
			if len(ch) != 3 || ch[0] != `Basic realm="example.org", charset="UTF-8"` ||
				!strings.HasPrefix(ch[1], `Digest realm="example.org", qop="auth", algorithm=SHA-256, nonce="`) ||
				!strings.HasPrefix(ch[2], `Digest realm="example.org", qop="auth", algorithm=MD5, nonce="`) {
				t.Errorf("WWW-Authenticate = %q", ch)
			}
		})
	}
}

func TestAnonymous(t *testing.T) {
	f := newFixture(t)
	f.g.Anonymous = true
	if _, body := f.do(t, "GET", "/private/a", ""); body != "'s a" {
		t.Errorf("anonymous body = %q", body)
	}
	if resp, _ := f.do(t, "GET", "/private/a", basicAuth("alice", "nope")); resp.StatusCode != 401 {
		t.Errorf("wrong credentials with Anonymous: %d, want 401", resp.StatusCode)
	}
}

// bindChecker checks a password as a naive LDAP checker does, with a
// simple bind: an empty name with an empty password is an anonymous bind,
// which the server accepts (RFC 4513 §5.1.1).
type bindChecker struct{}

func (bindChecker) CheckPassword(user, password string) (bool, error) {
	return user == "" && password == "" || user == "alice" && password == "wonderland", nil
}

// The Realm is asked for the user "" only for an anonymous visitor, whom
// the Guard lets in only when Anonymous is set. Basic credentials with an
// empty user-id, which a Checker may accept, once reached the realm as
// that "" user, so that a Guard without Anonymous handed out the anonymous
// tree to anyone who sent "Basic Og==" (":").
func TestCredentialsCannotBeAnonymous(t *testing.T) {
	root := resource.New()
	root.PutChild("closed", guard.New(realm, bindChecker{}, guard.Basic("example.org")))
	open := guard.New(realm, bindChecker{}, guard.Basic("example.org"))
	open.Anonymous = true
	root.PutChild("open", open)
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	tests := []struct {
		target, auth string
		code         int
		body         string
	}{
		{"/closed/a", basicAuth("alice", "wonderland"), 200, "alice's a"},
		{"/closed/a", basicAuth("", ""), 401, "Unauthorized"},
		{"/closed/a", "", 401, "Unauthorized"},
		{"/open/a", basicAuth("", ""), 401, "Unauthorized"},
		{"/open/a", "", 200, "'s a"},
	}
	for _, tt := range tests {
		t.Run(tt.target+" "+tt.auth, func(t *testing.T) {
			req := testutil.NewRequest(t, "GET", srv.URL+tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, body := testutil.Send(t, srv.Client(), req)
			if resp.StatusCode != tt.code || body != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.code, tt.body)
			}
		})
	}
}

func TestDigestResponseRFCVectors(t *testing.T) {
	const nonce, cnonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	for alg, want := range map[string]string{
		"MD5":     "8ca523f5e9506fed4657c9700eebdbec",
		"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	} {
		got := digestResponse(alg, "Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html", nonce, "00000001", cnonce)
		if got != want {
			t.Errorf("%s: %s, want %s (RFC 7616 §3.9.1)", alg, got, want)
		}
	}
}

func TestDigest(t *testing.T) {
	f := newFixture(t)
	const target = "/private/a?x=1"
	first, _ := f.do(t, "GET", target, "")
	var nc uint32 // the nonce is the same in both challenges
	for _, alg := range []string{"SHA-256", "MD5"} {
		ch := challenge(t, first, alg)
		tests := []struct {
			name   string
			pw     string
			method string
			edit   func(map[string]string)
			code   int
		}{
			{"ok", "wonderland", "GET", nil, 200},
			{"HEAD", "wonderland", "HEAD", nil, 200},
			{"upper-case response", "wonderland", "GET", func(p map[string]string) { p["response"] = strings.ToUpper(p["response"]) }, 200},
			{"wrong password", "builder", "GET", nil, 401},
			{"wrong method", "wonderland", "GET", func(p map[string]string) { p["sendAs"] = "PUT" }, 401},
			{"other uri", "wonderland", "GET", func(p map[string]string) { p["uri"] = "/private/b" }, 401},
			{"forged nonce", "wonderland", "GET", func(p map[string]string) { p["nonce"] = strings.Repeat("A", 43) }, 401},
			{"other realm", "wonderland", "GET", func(p map[string]string) { p["realm"] = "evil.org" }, 401},
			{"no opaque", "wonderland", "GET", func(p map[string]string) { delete(p, "opaque") }, 401},
			{"no qop", "wonderland", "GET", func(p map[string]string) { delete(p, "qop") }, 401},
			{"bad nc", "wonderland", "GET", func(p map[string]string) { p["nc"] = "1" }, 401},
			{"unknown algorithm", "wonderland", "GET", func(p map[string]string) { p["algorithm"] = "SHA-512-256" }, 401},
		}
		for _, tt := range tests {
			t.Run(alg+" "+tt.name, func(t *testing.T) {
				sendAs := tt.method
				edit := func(p map[string]string) {
					if tt.edit != nil {
						tt.edit(p)
					}
					if m, ok := p["sendAs"]; ok {
						sendAs = m
					}
				}
				nc++ // every request uses the next count
				auth := authorization(ch, nc, "alice", tt.pw, tt.method, target, edit)
				resp, body := f.do(t, sendAs, target, auth)
				if resp.StatusCode != tt.code {
					t.Errorf("got %d %q, want %d", resp.StatusCode, body, tt.code)
				}
				if tt.code == 200 && tt.method == "GET" && body != "alice's a" {
					t.Errorf("body = %q", body)
				}
			})
		}
	}
	// A missing algorithm means MD5 (RFC 7616 §3.3).
	ch := challenge(t, first, "MD5")
	auth := authorization(ch, nc+1, "bob", "builder", "GET", target, func(p map[string]string) { delete(p, "algorithm") })
	if _, body := f.do(t, "GET", target, auth); body != "bob's a" {
		t.Errorf("MD5 by default: %q", body)
	}
}

func TestDigestStale(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	f.digest.SetClock(func() time.Time { return now })
	first, _ := f.do(t, "GET", "/private/a", "")
	ch := challenge(t, first, "SHA-256")
	if strings.Contains(first.Header.Get("WWW-Authenticate"), "stale") {
		t.Error("a first challenge is not stale")
	}
	now = now.Add(guard.DefaultNonceLifetime + time.Second)
	resp, _ := f.do(t, "GET", "/private/a", authorization(ch, 1, "alice", "wonderland", "GET", "/private/a", nil))
	if resp.StatusCode != 401 {
		t.Fatalf("expired nonce: %d, want 401", resp.StatusCode)
	}
	fresh := challenge(t, resp, "SHA-256")
	if fresh["stale"] != "true" || fresh["nonce"] == ch["nonce"] {
		t.Errorf("challenge after an expired nonce: %v, want stale=true and a new nonce", fresh)
	}
	if _, body := f.do(t, "GET", "/private/a", authorization(fresh, 1, "alice", "wonderland", "GET", "/private/a", nil)); body != "alice's a" {
		t.Errorf("with the fresh nonce: %q", body)
	}
	// A wrong password with an expired nonce is not "stale".
	now = now.Add(guard.DefaultNonceLifetime + time.Second)
	resp, _ = f.do(t, "GET", "/private/a", authorization(fresh, 2, "alice", "nope", "GET", "/private/a", nil))
	if challenge(t, resp, "SHA-256")["stale"] != "" {
		t.Error("stale=true for a wrong password")
	}
}

func TestPasswordFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	write := func(s string, mtime time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, mtime, mtime)
	}
	pf := guard.NewPasswordFile(path)
	if _, err := pf.CheckPassword("alice", "x"); err == nil {
		t.Error("a missing file should be an error")
	}
	write("# users\n\nalice:wonderland\n  # indented comment\nbob:builder:extra field\nnocolon\nalice:second\ncarol:sp ace  \n", time.Unix(1000, 0))
	tests := []struct {
		user, pw string
		ok       bool
	}{
		{"alice", "wonderland", true},
		{"alice", "second", false},
		{"bob", "builder", true},
		{"bob", "builder:extra field", false},
		{"carol", "sp ace", true},
		{"nocolon", "", false},
		{"# users", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		ok, err := pf.CheckPassword(tt.user, tt.pw)
		if err != nil || ok != tt.ok {
			t.Errorf("CheckPassword(%q, %q) = %v, %v; want %v", tt.user, tt.pw, ok, err, tt.ok)
		}
	}
	write("alice:changed\n", time.Unix(2000, 0))
	if ok, _ := pf.CheckPassword("alice", "changed"); !ok {
		t.Error("the changed file was not read again")
	}
	if pw, ok, _ := pf.Password("alice"); !ok || pw != "changed" {
		t.Errorf("Password = %q, %v", pw, ok)
	}
}

func TestNewPanics(t *testing.T) {
	type onlyChecker struct{ guard.Checker }
	for name, f := range map[string]func(){
		"nil realm":         func() { guard.New(nil, users, guard.Basic("r")) },
		"nil checker":       func() { guard.New(realm, nil, guard.Basic("r")) },
		"no scheme":         func() { guard.New(realm, users) },
		"digest, no source": func() { guard.New(realm, onlyChecker{users}, guard.NewDigest("r", nil)) },
		"put child":         func() { guard.New(realm, users, guard.Basic("r")).PutChild("x", resource.New()) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
