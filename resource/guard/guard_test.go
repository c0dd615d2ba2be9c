package guard_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
)

// postpath is a leaf showing what is left of the path.
type postpath struct{ resource.Leaf }

func (postpath) RenderGET(r *request.Request) ([]byte, error) {
	return fmt.Appendf(nil, "leaf %q", r.Postpath()), nil
}

func home(user string) resource.Resource {
	h := testutil.Page(user + "'s home")
	h.PutChild("", testutil.Page(user+"'s index"))
	h.PutChild("a", testutil.Page(user+"'s a"))
	return h
}

var users = guard.Passwords{"alice": "wonderland", "bob": "builder", "carol": "singer", "dave": "x"}

var realm = guard.RealmFunc(func(user string, r *request.Request) (resource.Resource, error) {
	switch user {
	case "alice", "bob", "":
		return home(user), nil
	case "carol":
		return postpath{}, nil
	case "dave":
		return nil, errors.New("realm down")
	}
	return nil, nil
})

type fixture struct {
	srv    *httptest.Server
	digest *guard.Digest
	g      *guard.Guard
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := guard.NewDigest("example.org", []byte("test key"))
	g := guard.New(realm, users, guard.Basic("example.org"), d)
	root := resource.New()
	root.PutChild("private", g)
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	return &fixture{srv: srv, digest: d, g: g}
}

func (f *fixture) do(t *testing.T, method, target, auth string) (*http.Response, string) {
	t.Helper()
	req := testutil.NewRequest(t, method, f.srv.URL+target, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, body := testutil.Send(t, f.srv.Client(), req)
	if resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("%s %s set a cookie: the guard must not make sessions", method, target)
	}
	return resp, body
}

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

// challenge returns the params of the Digest challenge for alg in resp.
func challenge(t *testing.T, resp *http.Response, alg string) map[string]string {
	t.Helper()
	for _, c := range resp.Header.Values("WWW-Authenticate") {
		if rest, ok := strings.CutPrefix(c, "Digest "); ok {
			p, err := guard.ParseDigest(rest)
			if err != nil {
				t.Fatalf("challenge %q: %v", c, err)
			}
			if p["algorithm"] == alg {
				return p
			}
		}
	}
	t.Fatalf("no %s challenge in %q", alg, resp.Header.Values("WWW-Authenticate"))
	return nil
}

func hexHash(alg, s string) string {
	var h hash.Hash = sha256.New()
	if alg == "MD5" {
		h = md5.New()
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// digestResponse computes a client's response (RFC 7616 §3.4.1, qop=auth).
func digestResponse(alg, user, realm, pw, method, uri, nonce, nc, cnonce string) string {
	ha1 := hexHash(alg, user+":"+realm+":"+pw)
	ha2 := hexHash(alg, method+":"+uri)
	return hexHash(alg, ha1+":"+nonce+":"+nc+":"+cnonce+":auth:"+ha2)
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

// authorization answers the challenge ch with the nonce count nc, as a
// client's nc-th request with that nonce does, then applies edit.
func authorization(ch map[string]string, nc uint32, user, pw, method, uri string, edit func(map[string]string)) string {
	p := map[string]string{
		"username": user, "realm": ch["realm"], "nonce": ch["nonce"], "uri": uri,
		"algorithm": ch["algorithm"], "qop": "auth", "nc": fmt.Sprintf("%08x", nc), "cnonce": "0a4f113b",
		"opaque": ch["opaque"],
	}
	p["response"] = digestResponse(ch["algorithm"], user, ch["realm"], pw, method, uri, p["nonce"], p["nc"], p["cnonce"])
	if edit != nil {
		edit(p)
	}
	var parts []string
	for _, k := range []string{"username", "realm", "nonce", "uri", "algorithm", "qop", "nc", "cnonce", "opaque", "response"} {
		if v, ok := p[k]; ok {
			if k == "qop" || k == "nc" || k == "algorithm" {
				parts = append(parts, k+"="+v)
			} else {
				parts = append(parts, k+`="`+strings.ReplaceAll(v, `"`, `\"`)+`"`)
			}
		}
	}
	return "Digest " + strings.Join(parts, ", ")
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
