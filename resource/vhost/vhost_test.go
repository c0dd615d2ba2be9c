package vhost_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/vhost"
	"github.com/gotwisted/web/site"
)

// paths is a leaf that shows the prepath and postpath it was rendered with.
type paths struct{ resource.Leaf }

func (paths) RenderGET(r *request.Request) ([]byte, error) {
	return fmt.Appendf(nil, "pre=%q post=%q", r.Prepath(), r.Postpath()), nil
}

// failing has dynamic children that fail with a 400.
type failing struct{ resource.Base }

func (*failing) GetChild(string, *request.Request) (resource.Resource, error) {
	return nil, &request.StatusError{Code: http.StatusBadRequest, Err: errors.New("bad child")}
}

// dynamic has a dynamic child named "dyn".
type dynamic struct{ resource.Base }

func (*dynamic) GetChild(name string, _ *request.Request) (resource.Resource, error) {
	if name == "dyn" {
		return testutil.Page("dynamic child"), nil
	}
	return nil, nil
}

func tree(name string) resource.Resource {
	root := resource.New()
	root.PutChild("", testutil.Page(name+" root"))
	root.PutChild("x", testutil.Page(name+" x"))
	return root
}

func serve(t *testing.T, root resource.Resource) *httptest.Server {
	t.Helper()
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	return srv
}

// get sends GET path to srv for host.
func get(t *testing.T, srv *httptest.Server, host, path string) (int, string) {
	t.Helper()
	req := testutil.NewRequest(t, "GET", srv.URL+path, nil)
	req.Host = host
	resp, body := testutil.Send(t, srv.Client(), req)
	return resp.StatusCode, body
}

func notFoundPage(brief, detail string) string {
	return "\n<html>\n  <head><title>404 - " + brief + "</title></head>\n  <body>\n    <h1>" + brief +
		"</h1>\n    <p>" + detail + "</p>\n  </body>\n</html>\n"
}

func newVHost() *vhost.NameVirtualHost {
	v := vhost.New()
	v.AddHost("a.example", tree("A"))
	v.AddHost("B.Example", tree("B"))
	v.AddHost("leaf.example", paths{})
	v.AddHost("fail.example", &failing{})
	v.AddHost("dyn.example", &dynamic{})
	return v
}

func TestNameVirtualHost(t *testing.T) {
	srv := serve(t, newVHost())
	tests := []struct {
		host, path string
		code       int
		body       string
	}{
		{"a.example", "/", 200, "A root"},
		{"a.example", "/x", 200, "A x"},
		{"A.EXAMPLE", "/x", 200, "A x"},
		{"a.example:8080", "/x", 200, "A x"},
		{"b.example", "/", 200, "B root"},
		{"b.example", "/x?q=1", 200, "B x"},
		{"a.example", "/missing", 404, notFoundPage("No Such Resource", "Sorry. No luck finding that resource.")},
		{"leaf.example", "/some/path/", 200, `pre=[] post=["some" "path" ""]`},
		{"leaf.example", "/", 200, `pre=[] post=[""]`},
		{"dyn.example", "/dyn", 200, "dynamic child"},
		{"dyn.example", "/other", 404, notFoundPage("No Such Resource", "Sorry. No luck finding that resource.")},
		{"fail.example", "/any", 400, ""},
		{"zzz.example", "/", 404, notFoundPage("Not Found", "host &#39;zzz.example&#39; not in vhost map")},
		{"zzz.example:81", "/deep/er", 404, notFoundPage("Not Found", "host &#39;zzz.example&#39; not in vhost map")},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			code, body := get(t, srv, tt.host, tt.path)
			if code != tt.code {
				t.Errorf("status = %d, want %d (body %q)", code, tt.code, body)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	v := newVHost()
	v.Default = tree("default")
	srv := serve(t, v)
	for _, host := range []string{"zzz.example", "a.example.com", "127.0.0.1"} {
		if code, body := get(t, srv, host, "/x"); code != 200 || body != "default x" {
			t.Errorf("%s: got %d %q, want the default's x", host, code, body)
		}
	}
	if code, body := get(t, srv, "a.example", "/x"); code != 200 || body != "A x" {
		t.Errorf("a.example: got %d %q", code, body)
	}
}

// rawGet sends an HTTP/1.0 request without a Host header, or with the
// header lines given.
func rawGet(t *testing.T, srv *httptest.Server, path string, header ...string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.0\r\n", path)
	for _, h := range header {
		fmt.Fprintf(conn, "%s\r\n", h)
	}
	fmt.Fprintf(conn, "\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestNoHost(t *testing.T) {
	v := newVHost()
	srv := serve(t, v)
	code, body := rawGet(t, srv, "/x")
	if want := notFoundPage("No Such Resource", "Sorry. No luck finding that resource."); code != 404 || body != want {
		t.Errorf("without Host and default: %d %q, want 404 %q", code, body, want)
	}

	v2 := newVHost()
	v2.Default = tree("default")
	srv2 := serve(t, v2)
	if code, body := rawGet(t, srv2, "/x"); code != 200 || body != "default x" {
		t.Errorf("without Host, with default: %d %q", code, body)
	}
}

func TestUnknownHostEscaped(t *testing.T) {
	srv := serve(t, newVHost())
	code, body := rawGet(t, srv, "/", "Host: a&b.example")
	if want := notFoundPage("Not Found", "host &#39;a&amp;b.example&#39; not in vhost map"); code != 404 || body != want {
		t.Errorf("got %d %q, want 404 %q", code, body, want)
	}
}

func TestRenderDelegates(t *testing.T) {
	v := vhost.New()
	v.AddHost("a.example", testutil.Page("A itself"))
	root := resource.New()
	root.PutChild("vh", v)
	srv := serve(t, root)
	if code, body := get(t, srv, "a.example", "/vh"); code != 200 || body != "A itself" {
		t.Errorf("GET /vh: %d %q", code, body)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/vh", nil)
	req.Host = "a.example"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST /vh: %d Allow %q, want the target's 405", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if code, _ := get(t, srv, "other.example", "/vh"); code != 404 {
		t.Errorf("unknown host at /vh: %d, want 404", code)
	}
}

func TestStaticChildFirst(t *testing.T) {
	v := newVHost()
	v.PutChild("shared", testutil.Page("shared"))
	srv := serve(t, v)
	for _, host := range []string{"a.example", "zzz.example"} {
		if code, body := get(t, srv, host, "/shared"); code != 200 || body != "shared" {
			t.Errorf("%s /shared: %d %q", host, code, body)
		}
	}
}

func TestAddRemoveHost(t *testing.T) {
	v := vhost.New()
	srv := serve(t, v)
	if code, _ := get(t, srv, "a.example", "/x"); code != 404 {
		t.Fatalf("before AddHost: %d", code)
	}
	v.AddHost("A.example", tree("A"))
	if code, body := get(t, srv, "a.example", "/x"); code != 200 || body != "A x" {
		t.Fatalf("after AddHost: %d %q", code, body)
	}
	if got := v.Hosts(); len(got) != 1 || got[0] != "a.example" {
		t.Errorf("Hosts() = %q", got)
	}
	v.RemoveHost("a.EXAMPLE")
	if code, _ := get(t, srv, "a.example", "/x"); code != 404 {
		t.Fatalf("after RemoveHost: %d", code)
	}
	v.RemoveHost("never.example")
}

func TestAddHostWhileServing(t *testing.T) {
	v := newVHost()
	srv := serve(t, v)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			v.AddHost(fmt.Sprintf("h%d.example", i), tree("h"))
		}
	}()
	for range 20 {
		if code, body := get(t, srv, "a.example", "/x"); code != 200 || body != "A x" {
			t.Errorf("got %d %q", code, body)
		}
	}
	wg.Wait()
}

func TestAddHostNilPanics(t *testing.T) {
	defer func() {
		v := recover()
		if s, ok := v.(string); !ok || !strings.HasPrefix(s, "vhost: ") {
			t.Errorf("panic = %v, want a vhost: message", v)
		}
	}()
	vhost.New().AddHost("a.example", nil)
}

// The host is the Host header's (X-Forwarded-Host's, when the Site trusts
// proxy headers) without its port, an IPv6 literal without its brackets,
// in any case.
func TestHostHeaderForms(t *testing.T) {
	newSite := func(trust bool) *httptest.Server {
		v := newVHost()
		v.AddHost("::1", tree("six"))
		_, srv := testutil.Serve(t, v, testutil.Quiet, func(s *site.Site) { s.TrustProxyHeaders = trust })
		return srv
	}
	plain, trusting := newSite(false), newSite(true)
	tests := []struct {
		srv       *httptest.Server
		host, xfh string
		body      string
	}{
		{plain, "[::1]:8080", "", "six x"},
		{plain, "[::1]", "", "six x"},
		{plain, "[0:0::1]", "", "Not Found"}, // names, not addresses, are compared
		{plain, "a.example", "b.example", "A x"},
		{trusting, "a.example", "b.example", "B x"},
		{trusting, "a.example", "B.EXAMPLE:8443", "B x"},
		{trusting, "a.example", "[::1]:443", "six x"},
		{trusting, "a.example", "", "A x"},
		{trusting, "[::1]", "", "six x"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("trust=%v host=%s xfh=%s", tt.srv == trusting, tt.host, tt.xfh)
		t.Run(name, func(t *testing.T) {
			req := testutil.NewRequest(t, "GET", tt.srv.URL+"/x", nil)
			req.Host = tt.host
			if tt.xfh != "" {
				req.Header.Set("X-Forwarded-Host", tt.xfh)
			}
			_, body := testutil.Send(t, tt.srv.Client(), req)
			if !strings.Contains(body, tt.body) {
				t.Errorf("body %q, want %q", body, tt.body)
			}
		})
	}
}
