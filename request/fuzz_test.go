package request

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
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
	for _, s := range []string{"/", "/a/b/", "/leaf//a%2Fb/%20c", "/%2e%2e/%00", "/a%zz", "/caf\xc3\xa9", "*", "http://h/x%2F/y",
		"/a%2Fb|c/x", "/%2F\xe9", `/a%2fb"[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		hr := readTarget(target)
		if hr == nil {
			return
		}
		r := New(httptest.NewRecorder(), hr, nil)
		segs := r.Postpath()
		if len(segs) == 0 {
			return // "*" has no segments
		}
		// Path splits into the same segments.
		var fromPath []string
		for _, s := range strings.Split(strings.TrimPrefix(r.Path(), "/"), "/") {
			fromPath = append(fromPath, Unquote(s))
		}
		if !slices.Equal(fromPath, segs) {
			t.Fatalf("%q: segments %q, Path %q splits into %q", target, segs, r.Path(), fromPath)
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
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, q string, max uint8) {
		// With a limit: what the plain rule gives, or false beyond it.
		m := make(map[string][]string)
		fields := int64(max)
		ok := parseQuery(m, q, &fields)
		want, n := refParseQuery(q)
		if ok != (n <= int(max)) {
			t.Fatalf("%q: %d values, %d allowed: parseQuery says %v", q, n, max, ok)
		}
		if ok && (!maps.EqualFunc(m, want, slices.Equal) || fields != int64(max)-int64(n)) {
			t.Fatalf("%q: %q, %d fields left; want %q, %d left", q, m, fields, want, int(max)-n)
		}
		// Re-encoding every item gives the same map back.
		m = queryMap(q)
		var b strings.Builder
		for k, vs := range m {
			for _, v := range vs {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(QuoteSegment(k) + "=" + QuoteSegment(v))
			}
		}
		back := queryMap(b.String())
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

// refParseQuery is the rule parseQuery implements, written the plain way,
// and the number of values.
func refParseQuery(q string) (map[string][]string, int) {
	m := make(map[string][]string)
	n := 0
	for _, item := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
		if k, v, ok := strings.Cut(item, "="); ok {
			k = Unquote(strings.ReplaceAll(k, "+", " "))
			m[k] = append(m[k], Unquote(strings.ReplaceAll(v, "+", " ")))
			n++
		}
	}
	return m, n
}

func FuzzMultipart(f *testing.F) {
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n"), "B")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		got, err := partsOf(body, bytes.NewReader(body), boundary)
		// Read one byte at a time, the body parses the same.
		got1, err1 := partsOf(body, iotest.OneByteReader(bytes.NewReader(body)), boundary)
		if (err == nil) != (err1 == nil) || !reflect.DeepEqual(got, got1) {
			t.Fatalf("read at once: %q, %v; a byte at a time: %q, %v", got, err, got1, err1)
		}
		var se *StatusError
		if err != nil && (!errors.As(err, &se) || se.Code != 400) {
			t.Fatalf("error %v, want a 400", err)
		}
		// As mime/multipart, which takes a body cut off in a part's
		// header for a whole body without that part.
		want, goErr := goParts(body, boundary)
		truncatedHeader := err != nil && errors.Is(err, io.EOF) && strings.Contains(err.Error(), "part header")
		switch {
		case err == nil && goErr != nil:
			t.Fatalf("parts %q, but mime/multipart says %v", got, goErr)
		case err != nil && goErr == nil && !truncatedHeader:
			t.Fatalf("error %v, but mime/multipart finds %q", err, want)
		case err == nil && len(got)+len(want) > 0 && !reflect.DeepEqual(got, want):
			t.Fatalf("parts %q, mime/multipart's %q", got, want)
		}

		// Through Args and Files, with small limits: a value or a file in
		// memory, or a file in the spooled body.
		hr := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		hr.Header.Set("Content-Type", "multipart/form-data; boundary=\""+strings.ReplaceAll(boundary, `"`, `\"`)+`"`)
		r := New(httptest.NewRecorder(), hr, &Config{SpoolThreshold: 64, MaxFormMemory: 128})
		defer r.Finish()
		args, aerr := r.Args()
		files, _ := r.Files()
		if aerr != nil {
			if !errors.As(aerr, &se) || se.Code != 400 && se.Code != 413 {
				t.Fatalf("Args: %v, want a 400 or 413", aerr)
			}
			return
		}
		if err != nil && !truncatedHeader && len(body) > 0 { // an empty body is not parsed
			t.Fatalf("Args parsed a body readParts refuses (%v): %q", err, args)
		}
		for name, fs := range files {
			for _, f := range fs {
				b, err := io.ReadAll(f.Open())
				if err != nil || int64(len(b)) != f.Size || f.Name != name {
					t.Fatalf("file %q: %d bytes of %d, %v", name, len(b), f.Size, err)
				}
			}
		}
	})
}

func FuzzDisposition(f *testing.F) {
	for _, s := range []string{`form-data; name="a"`, `form-data; name="f"; filename="a b.txt"`, `Form-Data;name=""`, `form-data; filename="x"; name="y"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		name, filename, ok := quickDisposition(v)
		if !ok {
			return
		}
		d, params, err := mime.ParseMediaType(v)
		if err != nil || d != "form-data" || params["name"] != name || params["filename"] != filename {
			t.Fatalf("%q: quickDisposition says %q %q; ParseMediaType %q %q, %v", v, name, filename, d, params, err)
		}
	})
}

func FuzzCookie(f *testing.F) {
	f.Add(`a=1; b=2;c=3; flag; d=x=y; e="q"`, "a")
	f.Add("a=1;a=2", "a")
	f.Add(" ;;=; =x", "")
	f.Add("a=b=c; a=b", "a=b")
	f.Add("a=1;\tb=2", "b")
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
// ";", drop leading white space (Python's bytes.lstrip), split each item
// at its first "=", last wins.
func refCookie(header, name string) (val string, found bool) {
	for _, item := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(strings.TrimLeft(item, " \t\n\v\f\r"), "=")
		if ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}
