package static_test

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

func TestRange(t *testing.T) {
	s := serveFiles(t)
	const digits = "0123456789"
	r64 := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		file, rng string
		code      int
		body      string
		cr        string // Content-Range
	}{
		{"digits.txt", "", 200, digits, ""},
		{"digits.txt", "bytes=1-3", 206, "123", "bytes 1-3/10"},
		{"digits.txt", "bytes=2-4", 206, "234", "bytes 2-4/10"},
		{"digits.txt", "bytes=-3", 206, "789", "bytes 7-9/10"},
		{"digits.txt", "bytes=7-", 206, "789", "bytes 7-9/10"},
		{"digits.txt", "bytes=2-100", 206, "23456789", "bytes 2-9/10"},
		{"digits.txt", "bytes=-100", 206, digits, "bytes 0-9/10"},
		{"digits.txt", "bytes=0-0", 206, "0", "bytes 0-0/10"},
		{"digits.txt", "bytes= 1-3 , ", 206, "123", "bytes 1-3/10"},
		{"digits.txt", " bytes =1-3", 206, "123", "bytes 1-3/10"},
		{"digits.txt", "bytes=1-99999999999999999999", 206, "123456789", "bytes 1-9/10"},
		{"digits.txt", "bytes=-99999999999999999999", 206, digits, "bytes 0-9/10"},
		{"digits.txt", "bytes=0-1,20-30", 206, "01", "bytes 0-1/10"},
		{"digits.txt", "bytes=20-30", 416, "", "bytes */10"},
		{"digits.txt", "bytes=10-", 416, "", "bytes */10"},
		{"digits.txt", "bytes=-0", 416, "", "bytes */10"},
		{"digits.txt", "bytes=99999999999999999999-", 416, "", "bytes */10"},
		// Ignored: malformed, another unit, start after end.
		{"digits.txt", "bytes", 200, digits, ""},
		{"digits.txt", "unknown=1-2", 200, digits, ""},
		{"digits.txt", "Bytes=1-2", 200, digits, ""},
		{"digits.txt", "bytes=3", 200, digits, ""},
		{"digits.txt", "bytes=-", 200, digits, ""},
		{"digits.txt", "bytes=foo-", 200, digits, ""},
		{"digits.txt", "bytes=-foo", 200, digits, ""},
		{"digits.txt", "bytes=5-4", 200, digits, ""},
		{"digits.txt", "bytes=5-2", 200, digits, ""},
		{"digits.txt", "bytes=1-2-3", 200, digits, ""},
		{"digits.txt", "bytes=+1-2", 200, digits, ""},
		{"digits.txt", "bytes=", 200, digits, ""},
		{"digits.txt", "bytes=,", 200, digits, ""},
		{"digits.txt", "bytes=0-1,x", 200, digits, ""},
		{"digits.txt", "bytes=99999999999999999999-5", 200, digits, ""},
		// Twisted's RangeTests on 64 bytes.
		{"r64.txt", "bytes=23-", 206, r64[23:], "bytes 23-63/64"},
		{"r64.txt", "bytes=-17", 206, r64[47:], "bytes 47-63/64"},
		{"r64.txt", "bytes=40-100", 206, r64[40:], "bytes 40-63/64"},
		{"r64.txt", "bytes=67-108", 416, "", "bytes */64"},
		{"r64.txt", "bytes=20-13", 200, r64, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.rng, func(t *testing.T) {
			var h []string
			if tt.rng != "" {
				h = append(h, "Range: "+tt.rng)
			}
			resp, body := s.do(t, "GET", "/files/"+tt.file, h...)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tt.code, body)
			}
			if tt.code != 416 && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.cr {
				t.Errorf("Content-Range = %q, want %q", got, tt.cr)
			}
			if tt.code != 416 && resp.ContentLength != int64(len(tt.body)) {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(tt.body))
			}
		})
	}
}

// TestRangeHEAD: Range is defined for GET only (RFC 9110 §14.2), so HEAD
// ignores it and answers with the whole file's headers, as Twisted does.
func TestRangeHEAD(t *testing.T) {
	s := serveFiles(t)
	for _, rng := range []string{"bytes=1-3", "bytes=50-", "bytes=0-0,2-3", "bytes=x"} {
		resp, body := s.do(t, "HEAD", "/files/digits.txt", "Range: "+rng)
		if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Range") != "" || resp.ContentLength != 10 {
			t.Errorf("HEAD with Range %s: %d %q Content-Range %q Content-Length %d, want 200 and the whole file's length",
				rng, resp.StatusCode, body, resp.Header.Get("Content-Range"), resp.ContentLength)
		}
	}
	// GET still honours it.
	if resp, _ := s.do(t, "GET", "/files/digits.txt", "Range: bytes=1-3"); resp.StatusCode != 206 {
		t.Errorf("GET with Range: %d", resp.StatusCode)
	}
}

func TestRangeEncoded(t *testing.T) {
	s := serveFiles(t)
	resp, body := s.do(t, "GET", "/files/notes.txt.gz", "Range: bytes=1-2")
	if resp.StatusCode != 206 || body != "zd" || resp.Header.Get("Content-Encoding") != "gzip" ||
		resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("single range of .gz: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = s.do(t, "GET", "/files/notes.txt.gz", "Range: bytes=0-0,2-3")
	if resp.StatusCode != 206 || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("multipart of .gz: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	resp, _ = s.do(t, "GET", "/files/notes.txt.gz", "Range: bytes=50-")
	if resp.StatusCode != 416 || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("416 of .gz: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

func TestMultipartRange(t *testing.T) {
	s := serveFiles(t)
	resp, body := s.do(t, "GET", "/files/digits.txt", "Range: bytes=0-1,4-5,-2")
	if resp.StatusCode != 206 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type = %q (%v)", resp.Header.Get("Content-Type"), err)
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length = %d, body is %d bytes", resp.ContentLength, len(body))
	}
	mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
	want := []struct{ body, cr string }{{"01", "bytes 0-1/10"}, {"45", "bytes 4-5/10"}, {"89", "bytes 8-9/10"}}
	for i, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		b, _ := io.ReadAll(p)
		if string(b) != w.body || p.Header.Get("Content-Range") != w.cr ||
			p.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("part %d: %q %v, want %q %q", i, b, p.Header, w.body, w.cr)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("after the parts: %v, want EOF", err)
	}
}

func TestCleanRange(t *testing.T) {
	tests := []struct {
		in   string
		size int64
		out  string
		ok   bool
	}{
		{"bytes=1-3", 10, "bytes=1-3", true},
		{" bytes = 1-3 ,, 5- , -2 ", 10, "bytes=1-3,5-9", true},
		{"bytes=-0", 10, "bytes=9223372036854775807-", true},
		{"bytes=0-1,-000", 10, "bytes=0-1", true},
		{"bytes=1-99999999999999999999", 10, "bytes=1-9", true},
		{"bytes=-99999999999999999999", 10, "bytes=0-9", true},
		{"bytes=99999999999999999999-", 10, "bytes=9223372036854775807-", true},
		{"bytes=099999999999999999999-99999999999999999999", 10, "bytes=9223372036854775807-", true},
		{"bytes=0-1,20-30", 10, "bytes=0-1", true},
		{"bytes=20-30,10-", 10, "bytes=9223372036854775807-", true},
		// Merged: overlapping, adjacent, repeated; the merged range takes
		// the place of the first it covers.
		{"bytes=0-1,1-2", 10, "bytes=0-2", true},
		{"bytes=0-1,2-3", 10, "bytes=0-3", true},
		{"bytes=3-4,0-1", 10, "bytes=3-4,0-1", true},
		{"bytes=0-0,0-0,0-0", 10, "bytes=0-0", true},
		{"bytes=5-6,0-1,2-4", 10, "bytes=0-6", true},
		{"bytes=6-7,0-1,3-3", 10, "bytes=6-7,0-1,3-3", true},
		{"bytes=6-7,0-1,3-5", 10, "bytes=3-7,0-1", true},
		{"bytes=0-1,4-5,1-2", 10, "bytes=0-2,4-5", true},
		{"bytes=-3,7-8", 10, "bytes=7-9", true},
		{"bytes=8-,-5", 10, "bytes=5-9", true},
		{"bytes=0-,3-4,-1", 10, "bytes=0-9", true},
		{"bytes=0-0,2-2,4-4,6-6,8-8,1-1,3-3,5-5,7-7,9-9", 10, "bytes=0-9", true},
		// Ignored: malformed, another unit, start after end, an empty file.
		{"bytes=5-4", 10, "", false},
		{"bytes=100000000000000000000-99999999999999999999", 10, "", false},
		{"bytes=", 10, "", false},
		{"bytes=a-b", 10, "", false},
		{"pages=1-2", 10, "", false},
		{"bytes=0-1,x", 10, "", false},
		{"bytes=0-", 0, "", false},
		{"bytes=-5", 0, "", false},
		// Sixteen ranges are served; seventeen are too many, even repeated.
		{"bytes=" + strings.Repeat("0-0,", 15) + "0-0", 10, "bytes=0-0", true},
		{"bytes=" + strings.Repeat("0-0,", 16) + "0-0", 10, "", false},
		{"bytes=" + strings.Repeat("0-0,", 14999) + "0-0", 10, "", false},
		{"bytes=" + strings.Repeat(",", 60000) + "1-2", 10, "bytes=1-2", true},
	}
	for _, tt := range tests {
		out, ok := static.CleanRange(tt.in, tt.size, 0)
		if out != tt.out || ok != tt.ok {
			t.Errorf("cleanRange(%.40q, %d) = %q, %v; want %q, %v", tt.in, tt.size, out, ok, tt.out, tt.ok)
		}
	}
}

// manyRanges returns a Range header of n ranges, the i-th made by f.
func manyRanges(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return "bytes=" + strings.Join(parts, ",")
}

// A Range header of 15,000 one-byte ranges once got a 206 of 15,000
// parts: a 60 KB header made a 2 MB response. More than sixteen ranges
// now get the whole file with 200; overlapping and adjacent ranges are
// merged, so no response is larger than the file and sixteen part headers.
func TestRangeAmplification(t *testing.T) {
	s := serveFiles(t)
	r64 := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name, rng string
		code      int
		parts     []string // the bodies of a multipart response; or the single body
	}{
		{"15000 repeated", manyRanges(15000, func(int) string { return "0-0" }), 200, []string{r64}},
		{"17 distinct", manyRanges(17, func(i int) string { return fmt.Sprintf("%d-%d", 2*i, 2*i) }), 200, []string{r64}},
		{"16 distinct", manyRanges(16, func(i int) string { return fmt.Sprintf("%d-%d", 2*i, 2*i) }), 206,
			strings.Split("0,2,4,6,8,a,c,e,0,2,4,6,8,a,c,e", ",")},
		{"16 repeated", manyRanges(16, func(int) string { return "1-2" }), 206, []string{"12"}},
		{"16 adjacent", manyRanges(16, func(i int) string { return fmt.Sprintf("%d-%d", i, i) }), 206, []string{r64[:16]}},
		{"overlapping", "bytes=10-20,0-63,5-6", 206, []string{r64}},
		{"out of order", "bytes=40-41,0-1,2-3", 206, []string{"89", "0123"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.do(t, "GET", "/files/r64.txt", "Range: "+tt.rng)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if len(body) > len(r64)+16*200 {
				t.Errorf("%d bytes sent for a %d-byte file", len(body), len(r64))
			}
			mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if mt != "multipart/byteranges" {
				if len(tt.parts) != 1 || body != tt.parts[0] {
					t.Errorf("body = %q, want %q", body, tt.parts)
				}
				return
			}
			mr := multipart.NewReader(strings.NewReader(body), params["boundary"])
			var got []string
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(p)
				got = append(got, string(b))
			}
			if !slices.Equal(got, tt.parts) {
				t.Errorf("parts = %q, want %q", got, tt.parts)
			}
		})
	}
}

// MaxRanges is inherited by the Files traversal makes.
func TestMaxRanges(t *testing.T) {
	f := newFile(t, makeTree(t))
	f.MaxRanges = 2
	s := serveTree(t, map[string]resource.Resource{"files": f})
	if resp, _ := s.do(t, "GET", "/files/sub/inner.txt", "Range: bytes=0-0,2-2"); resp.StatusCode != 206 {
		t.Errorf("2 ranges with MaxRanges 2: %d, want 206", resp.StatusCode)
	}
	if resp, body := s.do(t, "GET", "/files/sub/inner.txt", "Range: bytes=0-0,2-2,4-4"); resp.StatusCode != 200 || body != "inner\n" {
		t.Errorf("3 ranges with MaxRanges 2: %d %q, want 200 and the file", resp.StatusCode, body)
	}
}

// Cleaning a header of any length allocates only the rewritten header.
func TestCleanRangeAllocs(t *testing.T) {
	for _, h := range []string{
		manyRanges(15000, func(int) string { return "0-0" }),
		manyRanges(16, func(i int) string { return fmt.Sprintf("%d-%d", 3*i, 3*i) }),
		"bytes=" + strings.Repeat(" ,", 30000),
	} {
		if n := testing.AllocsPerRun(10, func() { static.CleanRange(h, 1000, 0) }); n > 1 {
			t.Errorf("cleanRange(%.30q…) allocates %.0f times, want at most once", h, n)
		}
	}
}
