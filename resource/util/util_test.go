package util_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/util"
)

// serve starts a real server for the tree at root and returns its URL and a
// client that does not follow redirects.
func serve(t *testing.T, root resource.Resource) (string, *http.Client) {
	t.Helper()
	_, srv := testutil.Serve(t, root)
	return srv.URL, testutil.NoRedirects(srv.Client())
}

func do(t *testing.T, c *http.Client, method, url string) (*http.Response, string) {
	t.Helper()
	return testutil.Send(t, c, testutil.NewRequest(t, method, url, nil))
}

// redirectTo is a page whose GET calls util.RedirectTo with its URL.
type redirectTo struct {
	resource.Base
	url string
}

func (p *redirectTo) RenderGET(r *request.Request) ([]byte, error) {
	return util.RedirectTo(p.url, r), nil
}

func refreshPage(escaped string) string {
	return "\n<html>\n    <head>\n        <meta http-equiv=\"refresh\" content=\"0;URL=" + escaped +
		"\">\n    </head>\n    <body bgcolor=\"#FFFFFF\" text=\"#000000\">\n    <a href=\"" + escaped +
		"\">click here</a>\n    </body>\n</html>\n"
}

func TestRedirectTo(t *testing.T) {
	tests := []struct {
		name, url, escaped string
	}{
		{"legitimate", "http://twisted.org/", "http://twisted.org/"},
		{"malicious", `https://twisted.org/"><script>alert(document.location)</script>`,
			`https://twisted.org/&quot;&gt;&lt;script&gt;alert(document.location)&lt;/script&gt;`},
		{"quotes and ampersand", `/a?x=1&y='2'`, `/a?x=1&amp;y=&#x27;2&#x27;`},
		{"unicode", "/\u2603", "/\u2603"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := resource.New()
			root.PutChild("go", &redirectTo{url: tt.url})
			base, c := serve(t, root)
			resp, body := do(t, c, "GET", base+"/go")
			if resp.StatusCode != http.StatusFound {
				t.Errorf("status = %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tt.url {
				t.Errorf("Location = %q, want %q", got, tt.url)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if want := refreshPage(tt.escaped); body != want {
				t.Errorf("body = %q, want %q", body, want)
			}
		})
	}
}

func TestRedirect(t *testing.T) {
	root := resource.New()
	root.PutChild("old", util.Redirect("http://example.com/new"))
	base, c := serve(t, root)
	tests := []struct{ method, path string }{
		{"GET", "/old"},
		{"GET", "/old/"},
		{"GET", "/old/anything?x=1"},
		{"GET", "/old/a/b/c"},
		{"HEAD", "/old"},
		{"POST", "/old"},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := do(t, c, tt.method, base+tt.path)
			if resp.StatusCode != http.StatusFound {
				t.Errorf("status = %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != "http://example.com/new" {
				t.Errorf("Location = %q", got)
			}
			want := refreshPage("http://example.com/new")
			if tt.method == "HEAD" {
				want = ""
			}
			if body != want {
				t.Errorf("body = %q, want %q", body, want)
			}
		})
	}
}

func TestRedirectIsLeaf(t *testing.T) {
	if !util.Redirect("/x").IsLeaf() || !util.ParentRedirect().IsLeaf() {
		t.Error("Redirect and ParentRedirect must be leaves")
	}
}

// TestParentRedirect: the Location is the directory of the resource's
// own URL, whatever follows it in the request's path, as a real Twisted
// server answers (its ParentRedirect is URLPath.fromRequest(r).here(),
// made of the prepath). HOST is the server's address.
func TestParentRedirect(t *testing.T) {
	parent := util.ParentRedirect()
	tree := resource.New()
	tree.PutChild("up", parent)
	dir := resource.New()
	dir.PutChild("", parent)
	dir.PutChild("x", parent)
	tree.PutChild("dir", dir)
	sub := resource.New()
	sub.PutChild("x", parent)
	tree.PutChild("a b", sub)
	tree.PutChild("a/b", sub)
	tree.PutChild("caf\u00e9", sub)
	for _, site := range []struct {
		name  string
		root  resource.Resource
		tests []struct{ path, want string }
	}{
		{"root", parent, []struct{ path, want string }{
			{"/", "http://HOST/"},
			{"/foo", "http://HOST/"},
			{"/foo/", "http://HOST/"},
			{"/foo/bar?x=1", "http://HOST/"},
			{"/a/b/c/", "http://HOST/"},
		}},
		{"tree", tree, []struct{ path, want string }{
			{"/up", "http://HOST/"},
			{"/up?q=1", "http://HOST/"},
			{"/up/", "http://HOST/"}, // not to itself
			{"/up/x", "http://HOST/"},
			{"/up/x/y", "http://HOST/"},
			{"/up/%2F%2Fevil.example/", "http://HOST/"},
			{"/dir/", "http://HOST/dir/"},
			{"/dir/?q=1", "http://HOST/dir/"},
			{"/dir/x", "http://HOST/dir/"},
			{"/dir/x/", "http://HOST/dir/"},
			{"/dir/x/y", "http://HOST/dir/"},
			{"/dir/x/%2F/y", "http://HOST/dir/"},
			{"/a%20b/x/y", "http://HOST/a%20b/"},
			{"/a%2fb/x", "http://HOST/a%2Fb/"},
			// Twisted: http://HOST/caf%C3%83%C2%A9/ (see PrePathURL).
			{"/caf%C3%A9/x", "http://HOST/caf%C3%A9/"},
		}},
	} {
		base, c := serve(t, site.root)
		for _, tt := range site.tests {
			resp, body := do(t, c, "GET", base+tt.path)
			want := strings.ReplaceAll(tt.want, "http://HOST", base)
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != want {
				t.Errorf("%s: GET %s: %d, Location %q; want 302, %q", site.name, tt.path, resp.StatusCode, got, want)
			}
			if body != refreshPage(want) {
				t.Errorf("%s: GET %s: body %q", site.name, tt.path, body)
			}
		}
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/a/b/", "/a/b/"},
		{"/a//b", "/a//b"},
		{"//evil.com", "/.//evil.com"},
		{"//evil.com/x?y=1", "/.//evil.com/x?y=1"},
		{"///evil.com", "/.///evil.com"},
		{`/\evil.com`, `/./\evil.com`},
		{"/\t/evil.com", "/./\t/evil.com"},
		{"/\r\n\\evil.com", "/./\r\n\\evil.com"},
		{"/\t", "/\t"},
		{"/%2F%2Fevil.com", "/%2F%2Fevil.com"},
		{"/./x", "/./x"},
		{"", ""},
		{"x//y", "x//y"},
		{"http://example.com//x", "http://example.com//x"},
	}
	for _, tt := range tests {
		if got := util.LocalPath(tt.in); got != tt.want {
			t.Errorf("LocalPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ParentRedirect's URL is absolute, so a path that begins with "//" keeps
// the redirect on this host.
func TestParentRedirectNetworkPath(t *testing.T) {
	base, c := serve(t, util.ParentRedirect())
	for _, path := range []string{"//evil.com/x", "//evil.com/", `/\evil.com/x`, "///evil.com/x"} {
		resp, _ := do(t, c, "GET", base+path)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: %d Location %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		if want, _ := url.Parse(base); loc.Scheme != want.Scheme || loc.Host != want.Host {
			t.Errorf("%s: Location %q leaves %s", path, loc, want.Host)
		}
	}
}
