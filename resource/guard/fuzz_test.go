package guard

import (
	"fmt"
	"maps"
	"runtime"
	"sort"
	"strconv"
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

// A header of many tiny parameters costs the parser a bounded amount of
// memory: it is refused once it has more than a Digest response could
// use. Before the bound, 64 KiB of "a0=b," cost 1.3 MB (20 times the
// header) in a map of 8,736 entries, and a 1 MiB header, which net/http
// allows by default, 21 MB.
func TestParseDigestManyParams(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 64<<10; i++ {
		fmt.Fprintf(&b, "a%x=b,", i)
	}
	header := b.String()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	p, err := parseDigest(header)
	runtime.ReadMemStats(&m1)
	allocated := m1.TotalAlloc - m0.TotalAlloc
	if err == nil {
		t.Errorf("%d parameters accepted, want an error", len(p))
	}
	if allocated > 16<<10 {
		t.Errorf("parsing %d bytes of parameters allocated %d bytes, want at most 16 KiB", len(header), allocated)
	}
	params := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "p%d=v, ", i)
		}
		return b.String()
	}
	if p, err := parseDigest(params(maxDigestParams)); err != nil || len(p) != maxDigestParams {
		t.Errorf("%d parameters: %d parsed, %v; want all", maxDigestParams, len(p), err)
	}
	if _, err := parseDigest(params(maxDigestParams + 1)); err == nil {
		t.Errorf("%d parameters accepted, want an error", maxDigestParams+1)
	}
}

// FuzzNonceCount checks the nc parser against strconv, and the record of
// one nonce's counts against a plain model: a count is accepted when it
// was not accepted before and is not 64 or more below the highest.
func FuzzNonceCount(f *testing.F) {
	f.Add("00000001", []byte{0, 1, 0, 2, 255, 255, 0, 64, 255, 193, 255, 192})
	f.Add("0000000a", []byte{0, 0, 0, 0})
	f.Add("FFFFFFFF", []byte{128, 0, 127, 255})
	f.Add("0000001", []byte{})
	f.Add("0x000001", []byte{1})
	f.Add("+0000001", []byte{1})
	f.Fuzz(func(t *testing.T, raw string, steps []byte) {
		nc, ok := parseNC(raw)
		want, err := strconv.ParseUint(raw, 16, 32)
		wantOK := err == nil && len(raw) == 8 && strings.Trim(raw, "0123456789abcdefABCDEF") == ""
		if ok != wantOK || ok && uint64(nc) != want {
			t.Fatalf("parseNC(%q) = %d, %v; want %d, %v", raw, nc, ok, want, wantOK)
		}

		rec := counted{top: nc, seen: 1}
		seen := map[uint32]bool{nc: true}
		top := nc
		for i := 0; i+1 < len(steps); i += 2 {
			delta := int16(uint16(steps[i])<<8 | uint16(steps[i+1]))
			c := uint32(int64(top) + int64(delta))
			accept := !seen[c] && (c > top || top-c < 64)
			if got := rec.accept(c); got != accept {
				t.Fatalf("after %v, top %d: accept(%d) = %v, want %v", steps[:i], top, c, got, accept)
			}
			if accept {
				seen[c] = true
				top = max(top, c)
			}
		}
	})
}
