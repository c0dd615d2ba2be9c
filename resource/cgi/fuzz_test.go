package cgi

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseHeader checks that the header parser never panics, reads no
// more than its limit, returns only fields that can be sent, and that
// what it accepts, written out again, parses to the same response.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain\n\nbody",
		"Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>",
		"Location: /x\n\n",
		"Set-Cookie: a=1\nSet-Cookie: b=2\n\n",
		"\n",
		"XYZ\n\n",
		"X-A: a\n b\n\n",
		"Content-Length: 5\n\nhello",
		"Server: x\nDate: y\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 512
		src := bytes.NewReader(in)
		br := bufio.NewReaderSize(src, 16)
		code, h, err := parseHeader(br, max)
		if err != nil {
			return
		}
		if read := len(in) - src.Len() - br.Buffered(); read > max {
			t.Fatalf("read %d bytes, more than %d", read, max)
		}
		if code < 200 || code > 599 {
			t.Fatalf("status %d from %q", code, in)
		}
		var b strings.Builder
		b.WriteString("Status: " + strconv.Itoa(code) + "\n")
		for k, vs := range h {
			if k == "" || k != http.CanonicalHeaderKey(k) || dropped[k] || k == "Status" {
				t.Fatalf("field name %q from %q", k, in)
			}
			for _, v := range vs {
				if strings.Trim(v, " \t") != v || strings.ContainsFunc(v, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) {
					t.Fatalf("field %s value %q from %q", k, v, in)
				}
				b.WriteString(k + ": " + v + "\n")
			}
		}
		b.WriteString("\n")
		code2, h2, err := parseHeader(bufio.NewReader(strings.NewReader(b.String())), 1<<20)
		if err != nil || code2 != code || len(h2) != len(h) {
			t.Fatalf("round trip of %q: %d %v %v, want %d %v", in, code2, h2, err, code, h)
		}
		for k, vs := range h {
			if strings.Join(h2[k], "\n") != strings.Join(vs, "\n") {
				t.Fatalf("round trip of %q: %s: %q, want %q", in, k, h2[k], vs)
			}
		}
	})
}
