package util_test

import (
	"net/http"
	"net/url"
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

func TestParentRedirect(t *testing.T) {
	base, c := serve(t, util.ParentRedirect())
	tests := []struct{ path, want string }{
		{"/", "/"},
		{"/foo", "/"},
		{"/foo/", "/foo/"},
		{"/foo/bar", "/foo/"},
		{"/foo/bar?x=1", "/foo/"},
		{"/a/b/c/", "/a/b/c/"},
		{"/a%20b/c", "/a%20b/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := do(t, c, "GET", base+tt.path)
			if resp.StatusCode != http.StatusFound {
				t.Errorf("status = %d, want 302", resp.StatusCode)
			}
			want := base + tt.want
			if got := resp.Header.Get("Location"); got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
			if body != refreshPage(want) {
				t.Errorf("body = %q", body)
			}
		})
	}
}

func TestParentRedirectMounted(t *testing.T) {
	root := resource.New()
	dir := resource.New()
	root.PutChild("dir", dir)
	dir.PutChild("up", util.ParentRedirect())
	base, c := serve(t, root)
	resp, _ := do(t, c, "GET", base+"/dir/up/more?q=1")
	if got, want := resp.Header.Get("Location"), base+"/dir/up/"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
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
