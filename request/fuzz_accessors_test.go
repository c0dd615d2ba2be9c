package request

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzBasicAuth reads any Authorization header: no panic, a user name
// without ":", and base64 that Go's strict decoder accepts decodes alike.
func FuzzBasicAuth(f *testing.F) {
	for _, s := range []string{"Basic dXNlcjpwYXNz", "basic\tdTpwdw===", "Basic dXNl!cjpw*YXNz", "Basic dTpwdw=x=", "Basic dTpw=d==", "Basic ====", "Digest a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		hr := httptest.NewRequest("GET", "/", nil)
		hr.Header.Set("Authorization", header)
		user, password, ok := New(httptest.NewRecorder(), hr, nil).BasicAuth()
		if !ok && (user != "" || password != "") {
			t.Fatalf("%q: not ok, but %q, %q", header, user, password)
		}
		if strings.Contains(user, ":") {
			t.Fatalf("%q: user %q holds a colon", header, user)
		}
		_, creds, _ := strings.Cut(header, " ")
		if want, err := base64.StdEncoding.Strict().DecodeString(creds); err == nil {
			if got, valid := decodeBase64Lenient(creds); !valid || !bytes.Equal(got, want) {
				t.Fatalf("%q: decoded %q, %v; encoding/base64 says %q", creds, got, valid, want)
			}
		}
		raw := []byte(header)
		if got, valid := decodeBase64Lenient(base64.StdEncoding.EncodeToString(raw)); !valid || !bytes.Equal(got, raw) {
			t.Fatalf("%q: the base64 of it decodes to %q, %v", header, got, valid)
		}
	})
}

// FuzzURLPath moves around any URL: every URLPath a method returns is a
// URL that net/url parses back to the same, and Child's last segment
// decodes to the name given when the name holds no "%".
func FuzzURLPath(f *testing.F) {
	for _, s := range [][3]string{
		{"http://example.com/foo/bar?yes=no&no=yes#footer", "hello", "../x"},
		{"http://example.com", "a b/c?d#e", "//other/p"},
		{"https://u:p@[::1]:8443/a%2Fb/./c/../", "100%", "?q=1#f"},
		{"http://example.com/caf%C3%A9/", "caf\xc3\xa9", "mailto:a@b"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, base, name, ref string) {
		p, err := ParseURLPath(base)
		if err != nil {
			return
		}
		results := []URLPath{p, p.Child(name), p.Child(name, KeepQuery), p.Sibling(name), p.Parent(), p.Here(KeepQuery)}
		if q, err := p.Click(ref); err == nil {
			results = append(results, q)
		}
		for _, q := range results {
			s := q.String()
			again, err := ParseURLPath(s)
			if err != nil || again.String() != s {
				t.Fatalf("base %q name %q ref %q: %q parses as %q, %v", base, name, ref, s, again, err)
			}
			if u := q.URL(); u.String() != s {
				t.Fatalf("base %q: URL() of %q is %q", base, s, u)
			}
		}
		if !strings.Contains(name, "%") {
			u := p.Child(name).URL()
			seg := u.EscapedPath()[strings.LastIndexByte(u.EscapedPath(), '/')+1:]
			if got, err := url.PathUnescape(seg); err != nil || got != name {
				t.Fatalf("base %q: Child(%q) ends in %q, which decodes to %q, %v", base, name, seg, got, err)
			}
		}
	})
}

// FuzzIfNoneMatch splits any If-None-Match value into tags: each step
// makes progress, every tag holds no separator outside quotes, and quoted
// tags, commas inside included, joined into a list come back whole.
func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{`"a,b", W/"c"`, `*`, `MatchingTag other`, `"unterminated, "a"`, "\t,,\"x\" ,", `W/"", ""`} {
		f.Add(s, `"a,b"`)
	}
	f.Fuzz(func(t *testing.T, header, inner string) {
		for tag, rest := nextTag(header); tag != ""; tag, rest = nextTag(rest) {
			if len(rest) >= len(header) {
				t.Fatalf("%q: no progress at %q", header, rest)
			}
			header = rest
			quoted := false
			for _, c := range []byte(tag) {
				if c == '"' {
					quoted = !quoted
				} else if !quoted && (c == ',' || c == ' ' || c == '\t') {
					t.Fatalf("tag %q holds a separator outside quotes", tag)
				}
			}
		}
		if strings.Contains(inner, `"`) {
			return
		}
		want := []string{`"` + inner + `"`, `W/"x"`, `"` + inner + `"`}
		var got []string
		for tag, rest := nextTag(strings.Join(want, ", ")); tag != ""; tag, rest = nextTag(rest) {
			got = append(got, tag)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%q split into %q", want, got)
		}
	})
}
