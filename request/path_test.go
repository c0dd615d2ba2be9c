package request

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestSplitPath(t *testing.T) {
	tests := []struct {
		target string
		want   []string
	}{
		{"/", []string{""}},
		{"/leaf", []string{"leaf"}},
		{"/leaf/", []string{"leaf", ""}},
		{"/leaf/a/b/?x=1&x=2&y=", []string{"leaf", "a", "b", ""}},
		// Each segment is decoded after splitting: %2F stays inside it.
		{"/leaf//a%2Fb/%20c", []string{"leaf", "", "a/b", " c"}},
		{"/foo%2Fbar", []string{"foo/bar"}},
		{"/a+b", []string{"a+b"}}, // + is not a space in a path
		{"/%2525", []string{"%25"}},
		{"/..", []string{".."}},
		{"/%2e%2e/x", []string{"..", "x"}},
		{"/a%00b", []string{"a\x00b"}},
		{"/caf%C3%A9", []string{"café"}},
		{"//", []string{"", ""}},
		{"*", nil},
	}
	for _, tt := range tests {
		hr := httptest.NewRequest(http.MethodGet, tt.target, nil)
		if tt.target == "*" {
			hr = httptest.NewRequest(http.MethodOptions, "/", nil)
			hr.URL.Path, hr.RequestURI = "*", "*"
		}
		r := New(httptest.NewRecorder(), hr, nil)
		if got := r.Postpath(); !slices.Equal(got, tt.want) || len(r.Prepath()) != 0 {
			t.Errorf("%s: postpath %q prepath %q, want %q", tt.target, got, r.Prepath(), tt.want)
		}
	}
}

func TestConsume(t *testing.T) {
	r := New(httptest.NewRecorder(), httptest.NewRequest("GET", "/a/b/", nil), nil)
	for i, want := range []string{"a", "b", ""} {
		seg, ok := r.Consume()
		if !ok || seg != want {
			t.Fatalf("Consume #%d = %q, %v; want %q", i, seg, ok, want)
		}
		if pre := r.Prepath(); pre[len(pre)-1] != want {
			t.Errorf("prepath %q does not end in %q", pre, want)
		}
	}
	if _, ok := r.Consume(); ok {
		t.Error("Consume past the end")
	}
	r.Unconsume()
	if !slices.Equal(r.Prepath(), []string{"a", "b"}) || !slices.Equal(r.Postpath(), []string{""}) {
		t.Errorf("after Unconsume: %q %q", r.Prepath(), r.Postpath())
	}
	// The prepath is capped: appending to it cannot overwrite the postpath.
	_ = append(r.Prepath(), "x")
	if r.Postpath()[0] != "" {
		t.Errorf("append to Prepath changed Postpath: %q", r.Postpath())
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"a%20b", "a b"},
		{"a+b", "a+b"},
		{"%41%42%43", "ABC"},
		{"%e2%98%83", "\u2603"},
		{"%", "%"},
		{"%4", "%4"},
		{"%zz", "%zz"},
		{"%%41", "%A"},
		{"100%", "100%"},
		{"%2", "%2"},
		{"%00", "\x00"},
		{"%ff", "\xff"},
	}
	for _, tt := range tests {
		if got := Unquote(tt.in); got != tt.want {
			t.Errorf("Unquote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuoteSegment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain-._~09AZaz", "plain-._~09AZaz"},
		{"a/b", "a%2Fb"},
		{"a b", "a%20b"},
		{"%", "%25"},
		{"?#&;=+", "%3F%23%26%3B%3D%2B"},
		{"café", "caf%C3%A9"},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		got := QuoteSegment(tt.in)
		if got != tt.want {
			t.Errorf("QuoteSegment(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back := Unquote(got); back != tt.in {
			t.Errorf("Unquote(QuoteSegment(%q)) = %q", tt.in, back)
		}
	}
}

// walk makes a Request for target with host and consumes n segments.
func walk(t *testing.T, target, host string, n int, tls bool, cfg *Config) *Request {
	t.Helper()
	hr := httptest.NewRequest(http.MethodGet, target, nil)
	hr.Host = host
	if !tls {
		hr.TLS = nil
	} else if hr.TLS == nil {
		hr = httptest.NewRequest(http.MethodGet, "https://"+host+target, nil)
	}
	r := New(httptest.NewRecorder(), hr, cfg)
	for range n {
		if _, ok := r.Consume(); !ok {
			t.Fatalf("%s: cannot consume %d segments", target, n)
		}
	}
	return r
}

func TestPrePathURL(t *testing.T) {
	tests := []struct {
		name   string
		host   string
		tls    bool
		target string
		want   string
	}{
		{"simple", "example.com", false, "/foo/bar", "http://example.com/foo/bar"},
		{"non-default port", "example.com:81", false, "/foo/bar", "http://example.com:81/foo/bar"},
		{"default port", "example.com:80", false, "/foo/bar", "http://example.com/foo/bar"},
		{"SSL port over HTTP", "example.com:443", false, "/foo/bar", "http://example.com:443/foo/bar"},
		{"SSL port over TLS", "example.com:443", true, "/foo/bar", "https://example.com/foo/bar"},
		{"HTTP port over TLS", "example.com:80", true, "/foo/bar", "https://example.com:80/foo/bar"},
		{"TLS non-default", "example.com:8443", true, "/foo/bar", "https://example.com:8443/foo/bar"},
		{"quoting", "example.com", false, "/foo%2Fbar", "http://example.com/foo%2Fbar"},
		{"IPv6 default port", "[::1]:80", false, "/foo/bar", "http://[::1]/foo/bar"},
		{"IPv6 other port", "[::1]:8080", false, "/foo/bar", "http://[::1]:8080/foo/bar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := walk(t, tt.target, tt.host, len(New(httptest.NewRecorder(), httptest.NewRequest("GET", tt.target, nil), nil).Postpath()), tt.tls, nil)
			if got := r.PrePathURL(); got != tt.want {
				t.Errorf("PrePathURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRootURL(t *testing.T) {
	r := walk(t, "/foo/bar", "example.com:81", 1, false, nil)
	if got := r.RootURL(); got != "http://example.com:81/" {
		t.Errorf("RootURL = %q", got)
	}
	if got := r.PrePathURL(); got != "http://example.com:81/foo" {
		t.Errorf("PrePathURL = %q", got)
	}
}

func TestChildLink(t *testing.T) {
	tests := []struct {
		target string
		n      int // segments consumed
		want   string
	}{
		{"/foo/bar", 2, "bar/baz"},
		{"/foo/bar/", 3, "baz"},
		{"/foo/bar/", 2, "baz"},
		{"/foo/bar/x/y", 2, "../baz"},
		{"/", 1, "baz"},
		{"/a%20b", 1, "a%20b/baz"},
	}
	for _, tt := range tests {
		r := walk(t, tt.target, "example.com", tt.n, false, nil)
		if got := r.ChildLink("baz"); got != tt.want {
			t.Errorf("%s after %d: ChildLink = %q, want %q", tt.target, tt.n, got, tt.want)
		}
	}
}

func TestProxyHeaders(t *testing.T) {
	hdr := func(r *Request) {
		h := r.HTTPRequest().Header
		h.Set("X-Forwarded-Proto", "https")
		h.Set("X-Forwarded-Host", "public.example:443")
		h.Set("X-Forwarded-For", " 203.0.113.7 ")
	}
	for _, trust := range []bool{false, true} {
		r := walk(t, "/foo", "internal:8080", 1, false, &Config{TrustProxyHeaders: trust})
		hdr(r)
		secure, url, addr, host := r.IsSecure(), r.PrePathURL(), r.ClientAddr(), r.Hostname()
		if trust {
			if !secure || url != "https://public.example/foo" || addr != "203.0.113.7" || host != "public.example" {
				t.Errorf("trusted: %v %q %q %q", secure, url, addr, host)
			}
		} else if secure || url != "http://internal:8080/foo" || addr != "192.0.2.1" || host != "internal" {
			t.Errorf("untrusted: %v %q %q %q", secure, url, addr, host)
		}
	}
}

// TestProxyHeadersAppended: a proxy that appends to an X-Forwarded-*
// header leaves the client's own value before its entry; with the headers
// trusted, only the last entry, the proxy's, is believed, and a host that
// is not one is ignored.
func TestProxyHeadersAppended(t *testing.T) {
	tests := []struct {
		name, proto, host, forFor string
		secure                    bool
		url, addr                 string
	}{
		{"one entry each", "https", "public.example", "203.0.113.7",
			true, "https://public.example/foo", "203.0.113.7"},
		{"client's values first", "https, http", "evil.example, public.example", "127.0.0.1, 203.0.113.7",
			false, "http://public.example/foo", "203.0.113.7"},
		{"spaces", " http ,https ", " public.example ", "10.0.0.1 ,  203.0.113.7 ",
			true, "https://public.example/foo", "203.0.113.7"},
		{"not a host", "", "evil.example/x", "",
			false, "http://internal:8080/foo", "192.0.2.1"},
		{"a user in the host", "", "user@evil.example", "",
			false, "http://internal:8080/foo", "192.0.2.1"},
		{"empty last entries", "https,", "public.example,", "203.0.113.7,",
			false, "http://internal:8080/foo", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := walk(t, "/foo", "internal:8080", 1, false, &Config{TrustProxyHeaders: true})
			h := r.HTTPRequest().Header
			for name, v := range map[string]string{"X-Forwarded-Proto": tt.proto, "X-Forwarded-Host": tt.host, "X-Forwarded-For": tt.forFor} {
				if v != "" {
					h.Set(name, v)
				}
			}
			if secure, url, addr := r.IsSecure(), r.PrePathURL(), r.ClientAddr(); secure != tt.secure || url != tt.url || addr != tt.addr {
				t.Errorf("IsSecure, PrePathURL, ClientAddr: %v %q %q, want %v %q %q", secure, url, addr, tt.secure, tt.url, tt.addr)
			}
		})
	}
}
