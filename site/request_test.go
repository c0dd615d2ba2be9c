package site_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// argsLeaf renders its Args as JSON, for every method; an error from Args
// is returned, so the framework answers with its page.
type argsLeaf struct{ resource.Leaf }

func (argsLeaf) Render(r *request.Request) ([]byte, error) {
	args, err := r.Args()
	if err != nil {
		return nil, err
	}
	return json.Marshal(args)
}

// contentLeaf renders the raw request body.
type contentLeaf struct{ resource.Leaf }

func (contentLeaf) Render(r *request.Request) ([]byte, error) { return r.Content() }

// send sends req with srv's client and returns the response with its body read.
func send(t *testing.T, srv *httptest.Server, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// chunked hides a reader's length, so the client sends it chunked.
func chunked(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

func multipartBody(t *testing.T, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "file" {
			fw, err := mw.CreateFormFile("file", "f.txt")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(fw, fields[i+1])
			continue
		}
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func TestArgs(t *testing.T) {
	root := resource.New()
	root.PutChild("args", argsLeaf{})
	root.PutChild("content", contentLeaf{})
	var log syncBuffer
	_, srv := serve(t, root, logTo(&log), func(s *site.Site) { s.MaxRequestBodySize = 1024 })
	const form = "application/x-www-form-urlencoded"
	mp, mpType := multipartBody(t, "a", "first", "b", "x y", "a", "second", "file", "data")
	big := strings.Repeat("a=123456789&", 100)
	tests := []struct {
		name, method, path, ctype string
		body                      io.Reader
		code                      int
		want                      string
	}{
		{"query", "GET", "/args?x=1&x=2&y=", "", nil, 200, `{"x":["1","2"],"y":[""]}`},
		{"semicolon", "GET", "/args?a=1;b=2&a=3", "", nil, 200, `{"a":["1","3"],"b":["2"]}`},
		{"no equals dropped", "GET", "/args?flag&a=1", "", nil, 200, `{"a":["1"]}`},
		{"plus and percent", "GET", "/args?a+b=c+d%2B%26&e=%E2%98%83", "", nil, 200, `{"a b":["c d+\u0026"],"e":["☃"]}`},
		{"no query", "GET", "/args", "", nil, 200, `{}`},
		{"body replaces query", "POST", "/args?a=q1&a=q2&b=qb", form, strings.NewReader("a=body"), 200, `{"a":["body"],"b":["qb"]}`},
		{"form with charset", "POST", "/args", form + "; charset=utf-8", strings.NewReader("k=v+w&k=%21"), 200, `{"k":["v w","!"]}`},
		{"chunked form", "POST", "/args?q=1", form, chunked("a=1"), 200, `{"a":["1"],"q":["1"]}`},
		{"multipart last part wins", "POST", "/args?a=q&z=q", mpType, strings.NewReader(mp), 200, `{"a":["second"],"b":["x y"],"file":["data"],"z":["q"]}`},
		{"other type not parsed", "POST", "/args?q=1", "text/plain", strings.NewReader("a=1"), 200, `{"q":["1"]}`},
		{"PUT body not parsed", "PUT", "/args?q=1", form, strings.NewReader("a=1"), 200, `{"q":["1"]}`},
		{"malformed multipart", "POST", "/args", "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nbroken\r\n\r\n"), 400, ""},
		{"multipart without boundary", "POST", "/args", "multipart/form-data", strings.NewReader("x"), 400, ""},
		{"form too large", "POST", "/args", form, strings.NewReader(big), 413, ""},
		{"chunked form too large", "POST", "/args", form, chunked(big), 413, ""},
		{"content", "POST", "/content", form, strings.NewReader("the-field=x%26y"), 200, "the-field=x%26y"},
		{"content of PUT", "PUT", "/content", "", chunked("raw\x00bytes"), 200, "raw\x00bytes"},
		{"content too large", "PUT", "/content", "", strings.NewReader(big), 413, ""},
		{"chunked content too large", "PUT", "/content", "", chunked(big), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, tt.method, srv.URL+tt.path, tt.body)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, body := send(t, srv, req)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %q", resp.StatusCode, tt.code, body)
			}
			if tt.code != 200 {
				// The framework's error page, not a leaked error message.
				title := fmt.Sprintf("<title>%d - %s</title>", tt.code, http.StatusText(tt.code))
				if !strings.Contains(body, title) || strings.Contains(body, "request:") {
					t.Errorf("error page: %q", body)
				}
				return
			}
			if body != tt.want {
				t.Errorf("body %s, want %s", body, tt.want)
			}
		})
	}
	// After the refusals the server keeps answering on the same client.
	if resp, body := do(t, srv, "GET", "/args?ok=1", nil); resp.StatusCode != 200 || body != `{"ok":["1"]}` {
		t.Errorf("after refusals: %d %q", resp.StatusCode, body)
	}
}

// verbs exercises the response verbs: Postpath[0] says which.
type verbs struct{ resource.Leaf }

func (verbs) RenderGET(r *request.Request) ([]byte, error) {
	post := r.Postpath()
	switch post[0] {
	case "header":
		return []byte(r.Header("X-Test")), nil
	case "cookies":
		args, _ := r.Args()
		out := map[string]*string{}
		for _, n := range args["n"] {
			if v, ok := r.Cookie(n); ok {
				out[n] = &v
			} else {
				out[n] = nil
			}
		}
		return json.Marshal(out)
	case "addcookie":
		r.AddCookie(&http.Cookie{Name: "a", Value: "b", Path: "/x", MaxAge: 10, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		r.AddCookie(&http.Cookie{Name: "c", Value: "d"})
		return []byte("cookies"), nil
	case "code":
		r.SetResponseCode(402)
		return []byte("pay"), nil
	case "redirect":
		r.Redirect("http://example.com/elsewhere")
		return []byte("moved"), nil
	case "redirect-finish":
		r.Redirect("/there")
		r.Finish()
		return nil, resource.NotDoneYet
	case "empty":
		return []byte{}, nil
	case "nocontent":
		r.SetResponseCode(http.StatusNoContent)
		return nil, nil
	case "typed-empty-async":
		r.SetHeader("Content-Type", "text/plain")
		r.Finish()
		return nil, resource.NotDoneYet
	case "notype":
		r.ResponseHeader()["Content-Type"] = nil
		return []byte("raw"), nil
	}
	return []byte("?"), nil
}

func TestResponseVerbs(t *testing.T) {
	_, srv := serve(t, verbs{})

	req := newRequest(t, "GET", srv.URL+"/header", nil)
	req.Header.Add("X-Test", "first")
	req.Header.Add("X-Test", "last")
	if _, body := send(t, srv, req); body != "last" {
		t.Errorf("Header: %q, want the last value", body)
	}

	req = newRequest(t, "GET", srv.URL+"/cookies?n=a&n=b&n=c&n=flag&n=d&n=e&n=f&n=missing", nil)
	req.Header["Cookie"] = []string{`a=1; b=2;c=3; flag; d=x=y; e="quoted"; f=sp ; a=4`, `b=last`}
	want := `{"a":"4","b":"last","c":"3","d":"x=y","e":"\"quoted\"","f":"sp ","flag":null,"missing":null}`
	if _, body := send(t, srv, req); body != want {
		t.Errorf("Cookie:\n got %s\nwant %s", body, want)
	}

	resp, _ := do(t, srv, "GET", "/addcookie", nil)
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 ||
		got[0] != "a=b; Path=/x; Max-Age=10; HttpOnly; Secure; SameSite=Lax" || got[1] != "c=d" {
		t.Errorf("Set-Cookie: %q", got)
	}

	if resp, body := do(t, srv, "GET", "/code", nil); resp.StatusCode != 402 || body != "pay" {
		t.Errorf("SetResponseCode: %d %q", resp.StatusCode, body)
	}

	noFollow := *srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := noFollow.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// Redirect does not finish: the render's body follows.
	if resp, body := get("/redirect"); resp.StatusCode != 302 || body != "moved" ||
		resp.Header.Get("Location") != "http://example.com/elsewhere" {
		t.Errorf("Redirect: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Redirect then Finish with no body still gets the default Content-Type.
	if resp, body := get("/redirect-finish"); resp.StatusCode != 302 || body != "" ||
		resp.Header.Get("Location") != "/there" || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("Redirect+Finish: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// Default Content-Type: none on an empty body, none on 204; an explicit
	// one is kept; a nil one sends none.
	for _, tt := range []struct {
		path  string
		code  int
		ctype []string
	}{
		{"/empty", 200, nil},
		{"/nocontent", 204, nil},
		{"/typed-empty-async", 200, []string{"text/plain"}},
		{"/notype", 200, nil},
		{"/code", 402, []string{"text/html"}},
	} {
		resp, _ := do(t, srv, "GET", tt.path, nil)
		if got := resp.Header.Values("Content-Type"); resp.StatusCode != tt.code || strings.Join(got, ",") != strings.Join(tt.ctype, ",") {
			t.Errorf("%s: %d Content-Type %q, want %d %q", tt.path, resp.StatusCode, got, tt.code, tt.ctype)
		}
	}
}

// cond is a resource last modified at lastMod with ETag "abc"; the query
// picks which validator it sets.
type cond struct{ resource.Leaf }

var lastMod = time.Date(2026, 11, 22, 3, 57, 29, 500, time.UTC) // rounded up to :30

func (cond) Render(r *request.Request) ([]byte, error) {
	if r.Arg("type") != "" {
		r.SetHeader("Content-Type", r.Arg("type"))
	}
	cached := false
	if r.Arg("etag") != "" {
		cached = r.SetETag(`"abc"`)
	} else {
		cached = r.SetLastModified(lastMod)
	}
	if cached {
		return nil, nil
	}
	return []byte("correct"), nil
}

func TestConditional(t *testing.T) {
	_, srv := serve(t, cond{})
	tests := []struct {
		name, method, query, header, value string
		code                               int
		body, ctype                        string
	}{
		{"modified", "GET", "", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:29 GMT", 200, "correct", "text/html"},
		{"unmodified", "GET", "", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT", 304, "", ""},
		{"unmodified later", "GET", "", "If-Modified-Since", "Mon, 23 Nov 2026 00:00:00 GMT", 304, "", ""},
		{"invalid timestamp", "GET", "", "If-Modified-Since", "like, maybe a week ago, I guess?", 200, "correct", "text/html"},
		{"invalid year", "GET", "", "If-Modified-Since", "Sun, 22 Nov 20xx 03:57:30 GMT", 200, "correct", "text/html"},
		{"too long ago", "GET", "", "If-Modified-Since", "Tue, 01 Jan 1901 00:00:00 GMT", 200, "correct", "text/html"},
		{"invalid month", "GET", "", "If-Modified-Since", "Sun, 22 Brumaire 2026 03:57:30 GMT", 200, "correct", "text/html"},
		{"etag matched", "GET", "?etag=1", "If-None-Match", `"abc"`, 304, "", ""},
		{"etag in list", "GET", "?etag=1", "If-None-Match", `"x", "abc"`, 304, "", ""},
		{"etag star", "GET", "?etag=1", "If-None-Match", `*`, 304, "", ""},
		{"etag mismatch", "GET", "?etag=1", "If-None-Match", `"abd"`, 200, "correct", "text/html"},
		{"etag HEAD", "HEAD", "?etag=1", "If-None-Match", `"abc"`, 304, "", ""},
		{"etag POST", "POST", "?etag=1", "If-None-Match", `"abc"`, 412, "", ""},
		{"etag PUT star", "PUT", "?etag=1", "If-None-Match", `*`, 412, "", ""},
		{"explicit type modified", "GET", "?type=text/plain", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:29 GMT", 200, "correct", "text/plain"},
		// Twisted keeps an explicit Content-Type on a 304; net/http removes
		// it from every 304 (RFC 9110 §15.4.5). TestConditionalRecorder
		// shows that the framework itself keeps it.
		{"explicit type unmodified", "GET", "?type=text/plain", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT", 304, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, tt.method, srv.URL+"/"+tt.query, nil)
			req.Header.Set(tt.header, tt.value)
			resp, body := send(t, srv, req)
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("%d %q Content-Type %q; want %d %q %q", resp.StatusCode, body,
					resp.Header.Get("Content-Type"), tt.code, tt.body, tt.ctype)
			}
			if tt.query == "?etag=1" {
				if got := resp.Header.Get("ETag"); got != `"abc"` {
					t.Errorf("ETag %q", got)
				}
			} else if got := resp.Header.Get("Last-Modified"); got != "Sun, 22 Nov 2026 03:57:30 GMT" {
				t.Errorf("Last-Modified %q", got)
			}
		})
	}
}

// TestConditionalRecorder serves a 304 into a ResponseRecorder, which shows
// the headers the framework wrote before net/http's own 304 rules apply.
func TestConditionalRecorder(t *testing.T) {
	s := site.New(cond{})
	defer s.Close()
	for _, tt := range []struct{ query, ctype string }{{"", ""}, {"?type=text/plain", "text/plain"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/"+tt.query, nil)
		req.Header.Set("If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT")
		s.ServeHTTP(rec, req)
		if rec.Code != 304 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != tt.ctype {
			t.Errorf("%q: %d %q Content-Type %q, want 304, empty, %q", tt.query, rec.Code, rec.Body, rec.Header().Get("Content-Type"), tt.ctype)
		}
	}
}

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
	req := newRequest(t, "GET", srv.URL+path, nil)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if strings.Contains(path, "%2F") {
		req.URL.RawPath = path // keep the client from re-encoding
	}
	resp, body := send(t, srv, req)
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
	_, plain := serve(t, urlTree())
	tlsSite := site.New(urlTree())
	tlsSrv := httptest.NewTLSServer(tlsSite)
	t.Cleanup(func() { tlsSrv.Close(); tlsSite.Close() })

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
		"X-Forwarded-For", "203.0.113.7, 10.0.0.1",
	}
	for _, trust := range []bool{false, true} {
		_, srv := serve(t, urlTree(), func(s *site.Site) { s.TrustProxyHeaders = trust })
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
