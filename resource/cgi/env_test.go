//go:build unix

package cgi_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/site"
)

func TestEnvironmentPaths(t *testing.T) {
	dir := t.TempDir()
	file := writeScript(t, dir, "env.cgi", envScript)
	root := resource.New()
	root.PutChild("cgi", cgi.NewScript(file))
	deep := resource.New()
	deeper := resource.New()
	root.PutChild("deep", deep)
	deep.PutChild("er", deeper)
	deeper.PutChild("cgi", cgi.NewScript(file))
	srv := serve(t, root)
	atRoot := serve(t, cgi.NewScript(file)) // the script is the whole tree

	const unset = "(unset)"
	tests := []struct {
		srv                         *served
		target                      string
		scriptName, pathInfo, query string
		args                        []string
	}{
		{srv, "/cgi", "/cgi", unset, "", nil},
		{srv, "/cgi/", "/cgi", "/", "", nil},
		{srv, "/cgi/a/b", "/cgi", "/a/b", "", nil},
		{srv, "/cgi/a%20b/c%2Fd", "/cgi", "/a b/c/d", "", nil},
		{srv, "/cgi//x/", "/cgi", "//x/", "", nil},
		{srv, "/deep/er/cgi", "/deep/er/cgi", unset, "", nil},
		{srv, "/deep/er/cgi/x?a=1&b=2", "/deep/er/cgi", "/x", "a=1&b=2", nil},
		{srv, "/cgi?foo+bar%21+%2B", "/cgi", unset, "foo+bar%21+%2B", []string{"foo", "bar!", "+"}},
		{srv, "/cgi?", "/cgi", unset, "", nil},
		{srv, "/cgi?x=a+b", "/cgi", unset, "x=a+b", nil},
		{atRoot, "/", "/", "/", "", nil},
		{atRoot, "/x/y", "/", "/x/y", "", nil},
	}
	for _, tt := range tests {
		got := tt.srv.get(t, tt.target)
		if got.code != http.StatusOK {
			t.Errorf("%s: %d %q", tt.target, got.code, got.body)
			continue
		}
		env, args := parseEnv(got.body)
		pathInfo, ok := env["PATH_INFO"]
		if !ok {
			pathInfo = unset
		}
		if env["SCRIPT_NAME"] != tt.scriptName || pathInfo != tt.pathInfo || env["QUERY_STRING"] != tt.query {
			t.Errorf("%s: SCRIPT_NAME=%q PATH_INFO=%q QUERY_STRING=%q, want %q %q %q", tt.target,
				env["SCRIPT_NAME"], pathInfo, env["QUERY_STRING"], tt.scriptName, tt.pathInfo, tt.query)
		}
		if strings.Join(args, "|") != strings.Join(tt.args, "|") {
			t.Errorf("%s: arguments %q, want %q", tt.target, args, tt.args)
		}
		if env["REQUEST_URI"] != tt.target {
			t.Errorf("%s: REQUEST_URI=%q", tt.target, env["REQUEST_URI"])
		}
	}
}

func TestEnvironmentVariables(t *testing.T) {
	t.Setenv("CGI_TEST_SECRET", "do not pass")
	t.Setenv("CGI_TEST_INHERITED", "pass me")
	dir := t.TempDir()
	s := cgi.NewScript(writeScript(t, dir, "env.cgi", envScript))
	s.InheritEnv = []string{"CGI_TEST_INHERITED"}
	s.Env = []string{"EXTRA=1", "SERVER_SOFTWARE=custom"}
	plain := cgi.NewScript(s.Filename())
	root := resource.New()
	root.PutChild("env.cgi", s)
	root.PutChild("plain.cgi", plain)
	srv := serve(t, root)
	u, _ := url.Parse(srv.URL)

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/env.cgi/p?q=1", strings.NewReader("a=1&b=2"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Test", "yes")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	req.Header.Set("Proxy", "http://evil.example/")
	req.Header.Set("X_Sneaky", "underscored")
	req.AddCookie(&http.Cookie{Name: "c1", Value: "v1"})
	req.AddCookie(&http.Cookie{Name: "c2", Value: "v2"})
	got := srv.do(t, req)
	env, _ := parseEnv(got.body)
	want := map[string]string{
		"SERVER_SOFTWARE":    "custom",
		"SERVER_NAME":        u.Hostname(),
		"SERVER_PORT":        u.Port(),
		"SERVER_PROTOCOL":    "HTTP/1.1",
		"GATEWAY_INTERFACE":  "CGI/1.1",
		"REQUEST_METHOD":     "POST",
		"REQUEST_URI":        "/env.cgi/p?q=1",
		"SCRIPT_NAME":        "/env.cgi",
		"SCRIPT_FILENAME":    s.Filename(),
		"PATH_INFO":          "/p",
		"QUERY_STRING":       "q=1",
		"REMOTE_ADDR":        "127.0.0.1",
		"CONTENT_TYPE":       "application/x-www-form-urlencoded",
		"CONTENT_LENGTH":     "7",
		"HTTP_HOST":          u.Host,
		"HTTP_X_TEST":        "yes",
		"HTTP_X_MULTI":       "a, b",
		"HTTP_COOKIE":        "c1=v1; c2=v2",
		"CGI_TEST_INHERITED": "pass me",
		"EXTRA":              "1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"HTTP_PROXY", "PROXY", "HTTP_X_SNEAKY", "CGI_TEST_SECRET", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTPS", "PWD_UNUSED"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q is set", k, v)
		}
	}
	if env["PATH"] == "" {
		t.Error("no PATH")
	}

	env, _ = parseEnv(srv.get(t, "/plain.cgi").body)
	for k, v := range map[string]string{"SERVER_SOFTWARE": cgi.ServerSoftware, "CONTENT_LENGTH": "0", "REQUEST_METHOD": "GET"} {
		if env[k] != v {
			t.Errorf("plain: %s=%q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"CGI_TEST_INHERITED", "EXTRA", "CONTENT_TYPE", "PATH_INFO"} {
		if v, ok := env[k]; ok {
			t.Errorf("plain: %s=%q is set", k, v)
		}
	}
}

func TestEnvironmentProxyHeaders(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "env.cgi", envScript)), func(s *site.Site) {
		s.TrustProxyHeaders = true
	})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("X-Forwarded-For", "10.0.0.1, 203.0.113.7") // the proxy appended its client
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "www.example.com")
	env, _ := parseEnv(srv.do(t, req).body)
	for k, v := range map[string]string{"REMOTE_ADDR": "203.0.113.7", "HTTPS": "on", "SERVER_NAME": "www.example.com"} {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
}

func TestNULInPath(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "env.cgi", envScript)))
	for _, target := range []string{"/a%00b", "/?a%00b"} {
		if got := srv.get(t, target); got.code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", target, got.code)
		}
	}
}

// TestEnvironmentWithoutHost: a request that names no host (HTTP/1.0
// without Host) gives the script the address it came to as SERVER_NAME,
// as Twisted does, not an empty one.
func TestEnvironmentWithoutHost(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "env.cgi", envScript)))
	resp := testutil.Raw(t, srv.Server, "GET / HTTP/1.0\r\n\r\n")
	_, body, _ := strings.Cut(resp, "\r\n\r\n")
	env, _ := parseEnv(body)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	if env["SERVER_NAME"] != host || env["SERVER_PORT"] != port || env["HTTP_HOST"] != "" {
		t.Errorf("SERVER_NAME %q, SERVER_PORT %q, HTTP_HOST %q; want %q, %q, none", env["SERVER_NAME"], env["SERVER_PORT"], env["HTTP_HOST"], host, port)
	}
}

// TestEnvironmentServerName: SERVER_NAME is the host the client asked for,
// without its port, an IPv6 address in brackets (RFC 3875 §4.1.14), so
// that a script can build a URL from it and SERVER_PORT.
func TestEnvironmentServerName(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, cgi.NewScript(writeScript(t, dir, "env.cgi", envScript)))
	tests := []struct{ host, want string }{
		{"example.com", "example.com"},
		{"example.com:8080", "example.com"},
		{"192.0.2.1:80", "192.0.2.1"},
		{"[::1]:8080", "[::1]"},
		{"[2001:db8::1]", "[2001:db8::1]"},
	}
	for _, tt := range tests {
		resp := testutil.Raw(t, srv.Server, "GET / HTTP/1.1\r\nHost: "+tt.host+"\r\nConnection: close\r\n\r\n")
		_, body, _ := strings.Cut(resp, "\r\n\r\n")
		env, _ := parseEnv(body)
		if env["SERVER_NAME"] != tt.want {
			t.Errorf("Host %s: SERVER_NAME %q, want %q", tt.host, env["SERVER_NAME"], tt.want)
		}
	}
}
