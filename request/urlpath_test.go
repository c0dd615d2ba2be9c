package request_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gotwisted/web/request"
)

// The URL of Twisted's test_urlpath.
const twistedURL = "http://example.com/foo/bar?yes=no&no=yes#footer"

// urlPathTests are URLPath operations and their results: Twisted's
// test_urlpath.py first, then more of what Twisted does (twisted_test.go
// asks a Twisted server for each). twisted is Twisted's answer where it
// differs on purpose ("error": it fails).
var urlPathTests = []struct {
	base, op, arg string
	keep          bool
	want, twisted string
}{
	{twistedURL, "string", "", false, twistedURL, ""},
	{twistedURL, "child", "hello", false, "http://example.com/foo/bar/hello", ""},
	{"http://example.com/foo/bar/hello", "child", "", false, "http://example.com/foo/bar/hello/", ""},
	{twistedURL, "child", "hello", true, "http://example.com/foo/bar/hello?yes=no&no=yes", ""},
	{twistedURL, "sibling", "baz", false, "http://example.com/foo/baz", ""},
	{twistedURL, "sibling", "baz", true, "http://example.com/foo/baz?yes=no&no=yes", ""},
	{"http://example.com/foo/bar/", "sibling", "baz", false, "http://example.com/foo/bar/baz", ""},
	{twistedURL, "parent", "", false, "http://example.com/", ""},
	{twistedURL, "parent", "", true, "http://example.com/?yes=no&no=yes", ""},
	{"http://example.com/foo/bar/", "parent", "", false, "http://example.com/foo/", ""},
	{"http://example.com/foo/bar/baz", "parent", "", false, "http://example.com/foo/", ""},
	{"http://example.com/", "parent", "", false, "http://example.com/", ""},
	{twistedURL, "here", "", false, "http://example.com/foo/", ""},
	{twistedURL, "here", "", true, "http://example.com/foo/?yes=no&no=yes", ""},
	{"http://example.com/foo/bar/", "here", "", false, "http://example.com/foo/bar/", ""},
	{twistedURL, "click", "/hello/world", false, "http://example.com/hello/world", ""},
	{"http://google.com", "string", "", false, "http://google.com/", ""},
	{"http://example.com/\xc3\xbf", "string", "", false, "http://example.com/%C3%BF", ""},

	// Names: what a segment cannot hold is escaped, escapes stay.
	{twistedURL, "child", "a b", false, "http://example.com/foo/bar/a%20b", ""},
	{twistedURL, "child", "a/b?c#d", false, "http://example.com/foo/bar/a%2Fb%3Fc%23d", ""},
	{twistedURL, "child", `"<>[\]^{|}` + "`", false, "http://example.com/foo/bar/%22%3C%3E%5B%5C%5D%5E%7B%7C%7D%60", ""},
	{twistedURL, "child", "!$&'()*+,;=:@-._~", false, "http://example.com/foo/bar/!$&'()*+,;=:@-._~", ""},
	{twistedURL, "child", "\x00\t\x7f", false, "http://example.com/foo/bar/%00%09%7F", ""},
	{twistedURL, "child", "%41%2F", false, "http://example.com/foo/bar/%41%2F", ""},
	{twistedURL, "child", "..", false, "http://example.com/foo/bar/..", ""},
	{twistedURL, "sibling", "a b", false, "http://example.com/foo/a%20b", ""},
	{"http://example.com", "child", "a", false, "http://example.com/a", ""},
	{"http://example.com/", "sibling", "x", false, "http://example.com/x", ""},
	{"http://example.com/", "child", "", false, "http://example.com/", ""},
	{"http://example.com/a%2fb/c?x=1%202&y", "child", "z", true, "http://example.com/a%2fb/c/z?x=1%202&y", ""},
	{"http://example.com/a/b?x=a+b&y=%20;z", "child", "c", true, "http://example.com/a/b/c?x=a+b&y=%20;z", ""},
	// Where Twisted differs: it leaves a "%" that begins no escape, making
	// an invalid URL, and fails on a name that is not ASCII.
	{twistedURL, "child", "100%", false, "http://example.com/foo/bar/100%25", "http://example.com/foo/bar/100%"},
	{twistedURL, "child", "caf\xc3\xa9", false, "http://example.com/foo/bar/caf%C3%A9", "error"},

	// Click: RFC 3986 resolution.
	{twistedURL, "click", "baz", false, "http://example.com/foo/baz", ""},
	{twistedURL, "click", "../x", false, "http://example.com/x", ""},
	{twistedURL, "click", "../../../../x", false, "http://example.com/x", ""},
	{twistedURL, "click", "c/../d", false, "http://example.com/foo/d", ""},
	{twistedURL, "click", ".", false, "http://example.com/foo/", ""},
	{twistedURL, "click", "..", false, "http://example.com/", ""},
	{twistedURL, "click", "?q=1", false, "http://example.com/foo/bar?q=1", ""},
	{twistedURL, "click", "#frag", false, "http://example.com/foo/bar?yes=no&no=yes#frag", ""},
	{twistedURL, "click", "", false, twistedURL, ""},
	{twistedURL, "click", "./c?d=e#f", false, "http://example.com/foo/c?d=e#f", ""},
	{twistedURL, "click", "a b", false, "http://example.com/foo/a%20b", ""},
	{twistedURL, "click", "//other.example/p", false, "http://other.example/p", ""},
	{twistedURL, "click", "https://x.example/y?z", false, "https://x.example/y?z", ""},
	{twistedURL, "click", "mailto:a@b", false, "error", ""},
}

// TestURLPath: Child, Sibling, Parent, Here and Click, over HTTP, as
// Twisted's URLPath does them.
func TestURLPath(t *testing.T) {
	srv := serve(t, probeTree())
	for _, tt := range urlPathTests {
		if got := applyOp(tt.base, tt.op, tt.arg, tt.keep); got != tt.want {
			t.Errorf("%s %s(%q, keep %v) = %q, want %q", tt.base, tt.op, tt.arg, tt.keep, got, tt.want)
		}
		code, body := get(t, srv.Client(), srv.URL, urlPathQuery(tt.base, tt.op, tt.arg, tt.keep), "")
		if tt.want == "error" {
			if code != http.StatusInternalServerError {
				t.Errorf("%s %s(%q) over HTTP: %d %q, want 500", tt.base, tt.op, tt.arg, code, body)
			}
		} else if code != http.StatusOK || body != tt.want {
			t.Errorf("%s %s(%q) over HTTP: %d %q, want %q", tt.base, tt.op, tt.arg, code, body, tt.want)
		}
	}
}

// TestURLPathResultsParse: every URLPath a method returns parses back to
// itself with net/url.
func TestURLPathResultsParse(t *testing.T) {
	for _, tt := range urlPathTests {
		got := applyOp(tt.base, tt.op, tt.arg, tt.keep)
		if got == "error" {
			continue
		}
		u, err := url.Parse(got)
		if err != nil || u.String() != got {
			t.Errorf("%s %s(%q) = %q, which net/url reads as %v, %v", tt.base, tt.op, tt.arg, got, u, err)
		}
		p, err := request.ParseURLPath(got)
		if err != nil || p.String() != got || p.URL().String() != got {
			t.Errorf("ParseURLPath(%q) = %v, %v", got, p, err)
		}
	}
}

// TestParseURLPathRefuses: a URLPath is an absolute URL with a host.
func TestParseURLPathRefuses(t *testing.T) {
	for _, s := range []string{"", "/foo", "foo/bar", "mailto:a@b", "http:/foo", "http://example.com/%zz", "http://example.com/\x00", "://x"} {
		if p, err := request.ParseURLPath(s); err == nil {
			t.Errorf("ParseURLPath(%q) = %v, want an error", s, p)
		}
	}
}

// TestURLPathZero: the zero URLPath is Twisted's URLPath().
func TestURLPathZero(t *testing.T) {
	var p request.URLPath
	for _, tt := range []struct{ got, want string }{
		{p.String(), "http://localhost/"},
		{p.Child("a").String(), "http://localhost/a"},
		{p.Parent().String(), "http://localhost/"},
		{p.URL().String(), "http://localhost/"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
