package guard_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
)

// fixture is a Site serving a guard at /private.
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

// do sends a request with the Authorization header auth, if not "",
// and checks that the guard set no cookie.
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
