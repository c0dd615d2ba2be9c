package request_test

// Tests of the accessors porters use, each over HTTP against a Site, each
// beside what Twisted's counterpart does: its tests in
// twisted/web/test/test_http.py and test_web.py, and what a real Twisted
// server answers (twisted_test.go serves the same tree with Twisted and
// checks these tables against it).

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// rawProbe sends the bytes of a request to srv on a connection of its own
// and decodes the probe's report.
func rawProbe(t *testing.T, srv *httptest.Server, raw string) probeResult {
	t.Helper()
	resp, body := testutil.ParseResponse(t, testutil.Raw(t, srv, raw), "GET")
	var res probeResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("%d %q: %v", resp.StatusCode, body, err)
	}
	return res
}

// TestRemoteAddr: the peer's address, with its port, as Twisted's
// getClientAddress; a trusted X-Forwarded-For changes ClientAddr, not it.
func TestRemoteAddr(t *testing.T) {
	for _, trust := range []bool{false, true} {
		srv := serve(t, probeTree(), func(s *site.Site) { s.TrustProxyHeaders = trust })
		// Dial ourselves to learn the client's port.
		var local net.Addr
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err == nil {
					local = conn.LocalAddr()
				}
				return conn, err
			}}}
		res := probeGET(t, c, srv.URL, "/leaf", "", "X-Forwarded-For", "10.0.0.1, 203.0.113.9")
		want := local.(*net.TCPAddr)
		if res.RemoteNet != "tcp" || res.RemoteHost != want.IP.String() || res.RemotePort != want.Port {
			t.Errorf("trust %v: RemoteAddr %s %s port %d, want tcp %v", trust, res.RemoteNet, res.RemoteHost, res.RemotePort, want)
		}
		wantClient := want.IP.String()
		if trust {
			wantClient = "203.0.113.9"
		}
		if res.Client != wantClient {
			t.Errorf("trust %v: ClientAddr %q, want %q", trust, res.Client, wantClient)
		}
	}
}

// TestLocalAddr: the address the server listens on, as Twisted's getHost.
func TestLocalAddr(t *testing.T) {
	srv := serve(t, probeTree())
	res := probeGET(t, srv.Client(), srv.URL, "/leaf", "")
	if res.LocalNet != "tcp" || res.LocalAddr != srv.Listener.Addr().String() {
		t.Errorf("LocalAddr %s %s, want tcp %s", res.LocalNet, res.LocalAddr, srv.Listener.Addr())
	}
}

// TestAddrsOverUnixSocket: on a Unix socket both addresses are Unix
// addresses, as Twisted's getClientAddress gives a UNIXAddress
// (test_http's test_getClientAddress).
func TestAddrsOverUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	s := site.New(probeTree())
	hs := &http.Server{Handler: s}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	defer func() {
		hs.Close()
		<-done
		s.Close()
	}()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	res := probeGET(t, c, "http://unix", "/leaf", "")
	if res.RemoteNet != "unix" || res.LocalNet != "unix" || res.LocalAddr != sock {
		t.Errorf("RemoteAddr %s %q, LocalAddr %s %q; want unix addresses, the local one %q",
			res.RemoteNet, res.RemoteHost, res.LocalNet, res.LocalAddr, sock)
	}
	if res.Client != "-" {
		t.Errorf("ClientAddr %q, want -", res.Client)
	}
}

// TestAddrsWithoutServer: a Request made by New outside a server knows the
// peer from the http.Request, and no local address.
func TestAddrsWithoutServer(t *testing.T) {
	r := request.New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
	if a, ok := r.RemoteAddr().(*net.TCPAddr); !ok || a.String() != "192.0.2.1:1234" {
		t.Errorf("RemoteAddr = %v, want 192.0.2.1:1234", r.RemoteAddr())
	}
	if a := r.LocalAddr(); a != nil {
		t.Errorf("LocalAddr = %v, want nil", a)
	}
	hr := httptest.NewRequest("GET", "/", nil)
	hr.RemoteAddr = "somewhere"
	if a := request.New(httptest.NewRecorder(), hr, nil).RemoteAddr(); a != nil {
		t.Errorf("RemoteAddr of %q = %v, want nil", hr.RemoteAddr, a)
	}
}

// basicAuthTests are Authorization headers and what Twisted's getUser and
// getPassword make of them (checked against Twisted by twisted_test.go).
var basicAuthTests = []struct {
	name           string
	header         []string // Authorization lines; none: no header
	user, password string
	ok             bool
}{
	{"none", nil, "", "", false},
	{"plain", []string{"Basic dXNlcjpwYXNz"}, "user", "pass", true},
	{"scheme in any case", []string{"bAsIc dXNlcjpwYXNz"}, "user", "pass", true},
	{"white space runs", []string{"Basic \t  dXNlcjpwYXNz "}, "user", "pass", true},
	{"last header counts", []string{"Basic Zmlyc3Q6MQ==", "Basic bGFzdDoy"}, "last", "2", true},
	{"empty password", []string{"Basic dXNlcjo="}, "user", "", true},
	{"empty user", []string{"Basic OnB3"}, "", "pw", true},
	{"colons in the password", []string{"Basic dTpwOnc6"}, "u", "p:w:", true},
	{"no colon", []string{"Basic dXNlcg=="}, "", "", false},
	{"three words", []string{"Basic dXNlcjpwYXNz extra"}, "", "", false},
	{"scheme alone", []string{"Basic"}, "", "", false},
	{"other scheme", []string{"Bearer dXNlcjpwYXNz"}, "", "", false},
	{"padding missing", []string{"Basic dTpwdw"}, "", "", false},
	{"padding short", []string{"Basic dXNlcjpwYXM"}, "", "", false},
	{"one character too many", []string{"Basic dXNlcjpwYXNza"}, "", "", false},
	{"characters outside the alphabet skipped", []string{"Basic dXNl!cjpw*YXNz"}, "user", "pass", true},
	{"stops at the padding", []string{"Basic dTpwdw==dXNlcjpwYXNz"}, "u", "pw", true},
	{"extra padding", []string{"Basic dTpwdw==="}, "u", "pw", true},
	{"padding, then a character", []string{"Basic dTpwdw=x="}, "u", "pw\x0c", true},
	{"padding inside a quantum", []string{"Basic dTpw=d=="}, "", "", false},
	{"URL-safe alphabet skipped", []string{"Basic dTp-_w=="}, "u", "p", true},
	{"not UTF-8", []string{"Basic 6Trp"}, "\xe9", "\xe9", true},
}

// TestBasicAuth: the credentials of an Authorization header, as Twisted's
// getUser and getPassword parse them.
func TestBasicAuth(t *testing.T) {
	srv := serve(t, probeTree())
	for _, tt := range basicAuthTests {
		header := repeatHeader("Authorization", tt.header)
		res := probeGET(t, srv.Client(), srv.URL, "/leaf", "", header...)
		want := probeResult{User: hex.EncodeToString([]byte(tt.user)), Password: hex.EncodeToString([]byte(tt.password)), AuthOK: tt.ok}
		if res.User != want.User || res.Password != want.Password || res.AuthOK != want.AuthOK {
			t.Errorf("%s: BasicAuth() = %q, %q, %v; want %q, %q, %v", tt.name,
				unhex(res.User), unhex(res.Password), res.AuthOK, tt.user, tt.password, tt.ok)
		}
	}
}

// TestProto: the protocol of the request line, as Twisted's clientproto;
// HTTP/2 is Go's own.
func TestProto(t *testing.T) {
	srv := serve(t, probeTree())
	if res := probeGET(t, srv.Client(), srv.URL, "/leaf", ""); res.Proto != "HTTP/1.1" {
		t.Errorf("HTTP/1.1 request: Proto %q", res.Proto)
	}
	res := rawProbe(t, srv, "GET /leaf HTTP/1.0\r\n\r\n")
	if res.Proto != "HTTP/1.0" {
		t.Errorf("HTTP/1.0 request: Proto %q", res.Proto)
	}
	if _, ok := res.Headers["host"]; ok {
		t.Errorf("HTTP/1.0 request without Host: AllHeaders has a host: %q", res.Headers)
	}

	_, tls := testutil.ServeHTTP2(t, probeTree())
	if res := probeGET(t, tls.Client(), tls.URL, "/leaf", ""); res.Proto != "HTTP/2.0" {
		t.Errorf("HTTP/2 request: Proto %q", res.Proto)
	}
}

// TestAllHeaders: every header, its name in lower case, its last value, as
// Twisted's getAllHeaders (test_getAllHeaders, ...MultipleHeaders).
func TestAllHeaders(t *testing.T) {
	srv := serve(t, probeTree())
	res := rawProbe(t, srv, "POST /leaf HTTP/1.1\r\nHost: example.com:81\r\nTest: lemur\r\ntest: panda\r\n"+
		"X-Odd_Name: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	want := map[string]string{"host": "example.com:81", "test": "panda", "x-odd_name": "1",
		"transfer-encoding": "chunked", "connection": "close"}
	if fmt.Sprint(res.Headers) != fmt.Sprint(want) {
		t.Errorf("AllHeaders = %q, want %q", res.Headers, want)
	}
}

// TestURLPathOfRequest: the request's URLPath is its PrePathURL, without
// the query (Twisted's URLPath.fromRequest), and follows trusted proxy
// headers as PrePathURL does.
func TestURLPathOfRequest(t *testing.T) {
	for _, tt := range []struct {
		path, host string
		trust      bool
		header     []string
		want       string
	}{
		{"/leaf", "example.com", false, nil, "http://example.com/leaf"},
		{"/leaf/a/b?x=1", "example.com:81", false, nil, "http://example.com:81/leaf"},
		{"/foo/bar/baz?x=1", "example.com:80", false, nil, "http://example.com/foo/bar/baz"},
		{"/foo/", "example.com", false, nil, "http://example.com/foo/"},
		{"/foo/a%2Fb%20c", "example.com", false, nil, "http://example.com/foo/a%2Fb%20c"},
		{"/leaf", "example.com", true, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "public.example"}, "https://public.example/leaf"},
		{"/leaf", "example.com", false, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "public.example"}, "http://example.com/leaf"},
	} {
		srv := serve(t, probeTree(), func(s *site.Site) { s.TrustProxyHeaders = tt.trust })
		res := probeGET(t, srv.Client(), srv.URL, tt.path, tt.host, tt.header...)
		if res.URLPath != tt.want || res.PrePathURL != tt.want {
			t.Errorf("%s (Host %s, trust %v): URLPath %q, PrePathURL %q, want %q", tt.path, tt.host, tt.trust, res.URLPath, res.PrePathURL, tt.want)
		}
	}
}

// linkTests are paths under the probe tree, and the links its probes
// give: SiblingLink("sib") as Twisted's sibLink(b"sib"), ChildLink("kid")
// as childLink(b"kid"), and AppRootURL as getRootURL, whose host is
// written HOST (Twisted's RememberURLTests testSimple: /foo/...).
var linkTests = []struct {
	path, sibling, child, appRoot string
}{
	{"/leaf", "sib", "leaf/kid", ""},
	{"/leaf/", "../sib", "kid", ""},
	{"/leaf/a", "../sib", "kid", ""},
	{"/leaf/a/b", "../../sib", "../kid", ""},
	{"/leaf/a/b/", "../../../sib", "../../kid", ""},
	{"/foo/", "sib", "kid", "http://HOST/foo"},
	{"/foo/bar", "sib", "bar/kid", "http://HOST/foo"},
	{"/foo/bar/baz", "sib", "baz/kid", "http://HOST/foo"},
	{"/foo/bar/", "sib", "kid", "http://HOST/foo"},
}

// rootLinkTests are linkTests for a Site whose root remembers (Twisted's
// testRoot).
var rootLinkTests = []struct {
	path, sibling, child, appRoot string
}{
	{"/", "sib", "kid", "http://HOST/"},
	{"/bar", "sib", "bar/kid", "http://HOST/"},
	{"/bar/baz", "sib", "baz/kid", "http://HOST/"},
	{"/bar/", "sib", "kid", "http://HOST/"},
}

// TestLinks: SiblingLink, ChildLink and AppRootURL along the probe tree.
// Without RememberRootURL (the /leaf paths), AppRootURL is RootURL
// (Twisted's getRootURL is None).
func TestLinks(t *testing.T) {
	for _, tree := range []struct {
		root  resource.Resource
		tests []struct{ path, sibling, child, appRoot string }
	}{{probeTree(), linkTests}, {newRememberer(), rootLinkTests}} {
		srv := serve(t, tree.root)
		for _, tt := range tree.tests {
			res := probeGET(t, srv.Client(), srv.URL, tt.path, "example.com:81")
			appRoot := strings.ReplaceAll(tt.appRoot, "HOST", "example.com:81")
			if appRoot == "" {
				appRoot = "http://example.com:81/"
			}
			if res.Sibling != tt.sibling || res.Child != tt.child || res.AppRoot != appRoot {
				t.Errorf("%s: SiblingLink %q, ChildLink %q, AppRootURL %q; want %q, %q, %q",
					tt.path, res.Sibling, res.Child, res.AppRoot, tt.sibling, tt.child, appRoot)
			}
		}
	}
}

// TestAppRootURLBehindProxy: the remembered URL is made as PrePathURL is,
// so it follows trusted proxy headers.
func TestAppRootURLBehindProxy(t *testing.T) {
	srv := serve(t, probeTree(), func(s *site.Site) { s.TrustProxyHeaders = true })
	res := probeGET(t, srv.Client(), srv.URL, "/foo/bar", "", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "public.example:443")
	if res.AppRoot != "https://public.example/foo" {
		t.Errorf("AppRootURL %q, want https://public.example/foo", res.AppRoot)
	}
}

// cookieTests are Cookie header lines and every cookie Twisted's
// getCookie finds in them (its received_cookies, checked against Twisted
// by twisted_test.go): items split on ";", leading white space dropped
// (a tab too: Python's lstrip), the name up to the first "=", the last
// occurrence winning.
var cookieTests = []struct {
	name  string
	lines []string
	want  map[string]string
}{
	{"two", []string{"a=1; b=2"}, map[string]string{"a": "1", "b": "2"}},
	{"no space", []string{"a=1;b=2"}, map[string]string{"a": "1", "b": "2"}},
	{"tab after the semicolon", []string{"a=1;\tb=2"}, map[string]string{"a": "1", "b": "2"}},
	{"tabs and spaces", []string{"a=1;\t \tb=2; \tc=3"}, map[string]string{"a": "1", "b": "2", "c": "3"}},
	{"last wins", []string{"a=1; a=2"}, map[string]string{"a": "2"}},
	{"last line wins", []string{"a=1; b=1", "a=2"}, map[string]string{"a": "2", "b": "1"}},
	{"valueless dropped", []string{"flag; c=3"}, map[string]string{"c": "3"}},
	{"first equals sign", []string{"a=b=c"}, map[string]string{"a": "b=c"}},
	{"empty name", []string{"=1"}, map[string]string{"": "1"}},
	{"space inside a name", []string{"x y=1"}, map[string]string{"x y": "1"}},
	{"quotes kept", []string{`a="q"`}, map[string]string{"a": `"q"`}},
}

// cookieNames are the names the Go probe is asked for: those of want, and
// some it does not hold.
func cookieNames(want map[string]string) string {
	q := url.Values{"name": {"a", "b", "c", " b", "\tb"}}
	for name := range want {
		q.Add("name", name)
	}
	return "/cookies?" + q.Encode()
}

// TestCookieOverHTTP: Cookie finds what Twisted's getCookie finds.
func TestCookieOverHTTP(t *testing.T) {
	srv := serve(t, probeTree())
	for _, tt := range cookieTests {
		header := repeatHeader("Cookie", tt.lines)
		code, body := get(t, srv.Client(), srv.URL, cookieNames(tt.want), "", header...)
		var got map[string]string
		if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %q", tt.name, code, body)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: Cookie %q finds %q, want %q", tt.name, tt.lines, got, tt.want)
		}
	}
}

// noHostTests are requests that name no host, and the URLs of the probe
// tree for them, HOST standing for the server's address: Twisted's
// prePathURL takes the host and port of the socket (getRequestHostname,
// getHost), which twisted_test.go checks.
// appRoot "" is a URL that was not remembered (Twisted's None).
var noHostTests = []struct {
	raw                 string
	prePathURL, appRoot string
	twisted             bool // Twisted answers the same
}{
	{"GET /foo/bar HTTP/1.0\r\n\r\n", "http://HOST/foo/bar", "http://HOST/foo", true},
	{"GET /foo/ HTTP/1.0\r\n\r\n", "http://HOST/foo/", "http://HOST/foo", true},
	{"GET /leaf/a/b HTTP/1.0\r\n\r\n", "http://HOST/leaf", "", true},
	// An empty Host names no host either (Twisted makes
	// "http://:PORT/leaf", which is no URL).
	{"GET /leaf HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", "http://HOST/leaf", "", false},
}

// TestURLsWithoutHost: a request without a host gets URLs on the address
// it came to, never "http:///".
func TestURLsWithoutHost(t *testing.T) {
	srv := serve(t, probeTree())
	host := srv.Listener.Addr().String()
	for _, tt := range noHostTests {
		res := rawProbe(t, srv, tt.raw)
		fix := func(s string) string { return strings.ReplaceAll(s, "HOST", host) }
		appRoot := fix(tt.appRoot)
		if appRoot == "" {
			appRoot = fix("http://HOST/")
		}
		if res.PrePathURL != fix(tt.prePathURL) || res.URLPath != fix(tt.prePathURL) || res.AppRoot != appRoot {
			t.Errorf("%q: PrePathURL %q, URLPath %q, AppRootURL %q; want %q, %q, %q",
				tt.raw, res.PrePathURL, res.URLPath, res.AppRoot, fix(tt.prePathURL), fix(tt.prePathURL), appRoot)
		}
	}
}

// segmentTests are request targets, sent as they are, and the prepath and
// postpath the probe tree's probe sees, as Twisted splits them (checked
// against Twisted by twisted_test.go): the path split on "/", each
// segment percent-decoded after, so "%2F" stays inside its segment,
// whatever other bytes the path holds.
var segmentTests = []struct {
	target            string
	prepath, postpath []string
}{
	{"/leaf", []string{"leaf"}, []string{}},
	{"/leaf/", []string{"leaf"}, []string{""}},
	{"/leaf//a%2Fb/%20c", []string{"leaf"}, []string{"", "a/b", " c"}},
	{"/foo/a%2Fb", []string{"foo", "a/b"}, []string{}},
	{"/leaf/a+b/%2e%2e/..", []string{"leaf"}, []string{"a+b", "..", ".."}},
	// Bytes that net/url will not keep in an escaped path: the
	// segments are still those of the path as sent.
	{`/leaf/a%2Fb"c/x`, []string{"leaf"}, []string{`a/b"c`, "x"}},
	{"/leaf/a%2Fb|c/x", []string{"leaf"}, []string{"a/b|c", "x"}},
	{"/leaf/a%2Fb^c", []string{"leaf"}, []string{"a/b^c"}},
	{"/leaf/a%2F{b}`", []string{"leaf"}, []string{"a/{b}`"}},
	{`/leaf/a%2Fb\c`, []string{"leaf"}, []string{`a/b\c`}},
	{"/leaf/a%2F<b>", []string{"leaf"}, []string{"a/<b>"}},
	{"/leaf/%2F\xe9", []string{"leaf"}, []string{"/\xe9"}},
	{"/leaf/a%2fb%20\"", []string{"leaf"}, []string{`a/b "`}},
	{"/foo/a%2Fb|c", []string{"foo", "a/b|c"}, []string{}},
}

// TestSegmentsOverHTTP: Prepath and Postpath of requests sent byte for
// byte, as Twisted's prepath and postpath.
func TestSegmentsOverHTTP(t *testing.T) {
	srv := serve(t, probeTree())
	for _, tt := range segmentTests {
		res := rawProbe(t, srv, "GET "+tt.target+" HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
		if fmt.Sprint(res.Prepath) != fmt.Sprint(hexes(tt.prepath)) || fmt.Sprint(res.Postpath) != fmt.Sprint(hexes(tt.postpath)) {
			t.Errorf("%q: prepath %q postpath %q; want %q %q", tt.target,
				unhexes(res.Prepath), unhexes(res.Postpath), tt.prepath, tt.postpath)
		}
		// Path is the same path, escaped: a URL that splits into the
		// same segments.
		var segs []string
		for _, s := range strings.Split(strings.TrimPrefix(res.Path, "/"), "/") {
			segs = append(segs, request.Unquote(s))
		}
		u, err := url.Parse(res.Path)
		if want := append(slices.Clone(tt.prepath), tt.postpath...); !slices.Equal(segs, want) || err != nil || u.EscapedPath() != res.Path {
			t.Errorf("%q: Path %q splits into %q, want %q; net/url reads it as %q, %v", tt.target, res.Path, segs, want, u, err)
		}
	}
}

// unhexes undoes hexes.
func unhexes(h []string) []string {
	ss := make([]string, len(h))
	for i, s := range h {
		ss[i] = unhex(s)
	}
	return ss
}
