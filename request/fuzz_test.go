package request

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// readTarget parses target as the request target of a GET, as net/http's
// server does, or returns nil if the server would refuse it.
func readTarget(target string) *http.Request {
	hr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(
		"GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	if err != nil {
		return nil
	}
	return hr
}

func FuzzSplitPath(f *testing.F) {
	for _, s := range []string{"/", "/a/b/", "/leaf//a%2Fb/%20c", "/%2e%2e/%00", "/a%zz", "/caf\xc3\xa9", "*", "http://h/x%2F/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		hr := readTarget(target)
		if hr == nil {
			return
		}
		segs := New(httptest.NewRecorder(), hr, nil).Postpath()
		if len(segs) == 0 {
			return // "*" has no segments
		}
		quoted := make([]string, len(segs))
		for i, s := range segs {
			quoted[i] = QuoteSegment(s)
		}
		path := "/" + strings.Join(quoted, "/")
		hr2 := readTarget(path)
		if hr2 == nil {
			t.Fatalf("%q: re-quoted path %q is refused", target, path)
		}
		if again := New(httptest.NewRecorder(), hr2, nil).Postpath(); !slices.Equal(again, segs) {
			t.Fatalf("%q: segments %q, re-quoted %q splits into %q", target, segs, path, again)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "x=1&x=2&y=", "a=1;b=2", "flag&a+b=c+d", "k=%zz%", "k=%E2%98%83"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		m := parseQuery(q)
		// Every value comes from an item of its own that holds an "=".
		n := 0
		for _, vs := range m {
			n += len(vs)
		}
		if eq := strings.Count(q, "="); n > eq {
			t.Fatalf("%q: %d values from %d \"=\"", q, n, eq)
		}
		// Re-encoding every item gives the same map back.
		var b strings.Builder
		for k, vs := range m {
			for _, v := range vs {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(QuoteSegment(k) + "=" + QuoteSegment(v))
			}
		}
		back := parseQuery(b.String())
		if len(back) != len(m) {
			t.Fatalf("%q: %q re-encoded as %q parses to %q", q, m, b.String(), back)
		}
		for k, vs := range m {
			got := back[k]
			slices.Sort(got)
			want := slices.Clone(vs)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%q: key %q: %q re-parsed as %q", q, k, vs, got)
			}
		}
	})
}

func FuzzCookie(f *testing.F) {
	f.Add(`a=1; b=2;c=3; flag; d=x=y; e="q"`, "a")
	f.Add("a=1;a=2", "a")
	f.Add(" ;;=; =x", "")
	f.Add("a=b=c; a=b", "a=b")
	f.Fuzz(func(t *testing.T, header, name string) {
		hr := httptest.NewRequest("GET", "/", nil)
		hr.Header["Cookie"] = []string{header}
		v, found := New(httptest.NewRecorder(), hr, nil).Cookie(name)
		if wv, wfound := refCookie(header, name); v != wv || found != wfound {
			t.Fatalf("Cookie(%q) in %q = %q, %v; the rule says %q, %v", name, header, v, found, wv, wfound)
		}
	})
}

// refCookie is the rule Cookie implements, written the plain way: split on
// ";", drop leading spaces, split each item at its first "=", last wins.
func refCookie(header, name string) (val string, found bool) {
	for _, item := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(strings.TrimLeft(item, " "), "=")
		if ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}
