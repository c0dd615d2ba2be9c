package guard

import (
	"maps"
	"sort"
	"strings"
	"testing"
)

// FuzzParseDigest checks that the Digest parser never panics, and that
// whatever it accepts survives a round trip through quoting.
func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{
		`username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		`username="a\"b", realm=r`,
		`a=b,,c="d" , e = f`,
		`a="unterminated`,
		`a=b c=d`,
		``,
		`=`,
		`a="\`,
		"a=\"tab\there\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseDigest(s)
		if err != nil {
			return
		}
		keys := make([]string, 0, len(p))
		for k := range p {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("bad name %q from %q", k, s)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + "=" + quote(p[k]))
		}
		again, err := parseDigest(b.String())
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", b.String(), s, err)
		}
		if !maps.Equal(p, again) {
			t.Fatalf("round trip of %q: %v != %v", s, p, again)
		}
	})
}

func TestParseDigest(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string // nil: an error
	}{
		{`a=b`, map[string]string{"a": "b"}},
		{`A = "x y" ,b=c`, map[string]string{"a": "x y", "b": "c"}},
		{`, a="q\"uote\\d", `, map[string]string{"a": `q"uote\d`}},
		{``, map[string]string{}},
		{`a`, nil},
		{`a=`, nil},
		{`a=b c`, nil},
		{`a=b, a=c`, nil},
		{`a="x`, nil},
		{`a="x\`, nil},
		{"a=\"x\x01\"", nil},
		{`=b`, nil},
		{`a=b;c=d`, nil},
	}
	for _, tt := range tests {
		got, err := parseDigest(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("parseDigest(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("parseDigest(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
