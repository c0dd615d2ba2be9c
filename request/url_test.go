package request_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// urls renders what the request says of its URL, as JSON.
type urls struct{ resource.Leaf }

func (urls) RenderGET(r *request.Request) ([]byte, error) {
	return json.Marshal(map[string]any{
		"secure": r.IsSecure(),
		"pre":    r.PrePathURL(),
		"root":   r.RootURL(),
		"child":  r.ChildLink("baz"),
		"client": r.ClientAddr(),
		"host":   r.Hostname(),
	})
}

func urlTree() resource.Resource {
	root := resource.New()
	foo := resource.New()
	foo.PutChild("bar", urls{})
	root.PutChild("foo", foo)
	root.PutChild("foo/bar", urls{}) // reached by /foo%2Fbar
	return root
}

type urlInfo struct {
	Secure                         bool
	Pre, Root, Child, Client, Host string
}

func getURLs(t *testing.T, srv *httptest.Server, path, host string, header ...string) urlInfo {
	t.Helper()
	req := testutil.NewRequest(t, "GET", srv.URL+path, nil, header...)
	req.Host = host
	if strings.Contains(path, "%2F") {
		req.URL.RawPath = path // keep the client from re-encoding
	}
	resp, body := testutil.Send(t, srv.Client(), req)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
	}
	var u urlInfo
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestURLs(t *testing.T) {
	_, plain := testutil.Serve(t, urlTree())
	_, tlsSrv := testutil.ServeTLS(t, urlTree())

	tests := []struct {
		name      string
		srv       *httptest.Server
		path      string
		host      string
		secure    bool
		pre, root string
		child     string
	}{
		{"simple", plain, "/foo/bar", "example.com", false, "http://example.com/foo/bar", "http://example.com/", "bar/baz"},
		{"trailing slash", plain, "/foo/bar/", "example.com", false, "http://example.com/foo/bar", "http://example.com/", "baz"},
		{"non-default port", plain, "/foo/bar", "example.com:81", false, "http://example.com:81/foo/bar", "http://example.com:81/", "bar/baz"},
		{"default port", plain, "/foo/bar", "example.com:80", false, "http://example.com/foo/bar", "http://example.com/", "bar/baz"},
		{"SSL port over HTTP", plain, "/foo/bar", "example.com:443", false, "http://example.com:443/foo/bar", "http://example.com:443/", "bar/baz"},
		{"quoting", plain, "/foo%2Fbar", "example.com", false, "http://example.com/foo%2Fbar", "http://example.com/", "foo%2Fbar/baz"},
		{"TLS", tlsSrv, "/foo/bar", "example.com", true, "https://example.com/foo/bar", "https://example.com/", "bar/baz"},
		{"SSL port over TLS", tlsSrv, "/foo/bar", "example.com:443", true, "https://example.com/foo/bar", "https://example.com/", "bar/baz"},
		{"HTTP port over TLS", tlsSrv, "/foo/bar", "example.com:80", true, "https://example.com:80/foo/bar", "https://example.com:80/", "bar/baz"},
		{"TLS non-default", tlsSrv, "/foo/bar/", "example.com:8443", true, "https://example.com:8443/foo/bar", "https://example.com:8443/", "baz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := getURLs(t, tt.srv, tt.path, tt.host)
			if u.Secure != tt.secure || u.Pre != tt.pre || u.Root != tt.root || u.Child != tt.child || u.Client != "127.0.0.1" {
				t.Errorf("got %+v", u)
			}
		})
	}
}

func TestTrustProxyHeaders(t *testing.T) {
	proxied := []string{
		"X-Forwarded-Proto", "https",
		"X-Forwarded-Host", "public.example:443",
		"X-Forwarded-For", "10.0.0.1, 203.0.113.7", // the proxy appended its client
	}
	for _, trust := range []bool{false, true} {
		_, srv := testutil.Serve(t, urlTree(), func(s *site.Site) { s.TrustProxyHeaders = trust })
		u := getURLs(t, srv, "/foo/bar", "internal:8080", proxied...)
		want := urlInfo{false, "http://internal:8080/foo/bar", "http://internal:8080/", "bar/baz", "127.0.0.1", "internal"}
		if trust {
			want = urlInfo{true, "https://public.example/foo/bar", "https://public.example/", "bar/baz", "203.0.113.7", "public.example"}
		}
		if u != want {
			t.Errorf("trust=%v: got %+v, want %+v", trust, u, want)
		}
		// Without the headers a trusting Site uses the connection.
		u = getURLs(t, srv, "/foo/bar", "internal:8080")
		if u.Secure || u.Pre != "http://internal:8080/foo/bar" || u.Client != "127.0.0.1" {
			t.Errorf("trust=%v, no headers: %+v", trust, u)
		}
	}
}

// A middleware that rewrites URL.Path alone leaves a stale RawPath, which
// traversal must not use.
func TestStaleRawPathIgnored(t *testing.T) {
	root := resource.New()
	root.PutChild("x", testutil.Paths{})
	s := site.New(root)
	defer s.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
		s.ServeHTTP(w, r)
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/x/a%2Fb", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"post":["a","b"]`) {
		t.Errorf("%d %s", w.Code, w.Body.String())
	}
}
