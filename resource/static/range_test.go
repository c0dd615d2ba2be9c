package static_test

import (
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

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

func TestRangeHEAD(t *testing.T) {
	s := serveFiles(t)
	resp, body := s.do(t, "HEAD", "/files/digits.txt", "Range: bytes=1-3")
	if resp.StatusCode != 206 || body != "" || resp.Header.Get("Content-Range") != "bytes 1-3/10" {
		t.Errorf("HEAD with Range: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Range"))
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
		in, out string
		ok      bool
	}{
		{"bytes=1-3", "bytes=1-3", true},
		{" bytes = 1-3 ,, 5- , -2 ", "bytes=1-3,5-,-2", true},
		{"bytes=-0", "bytes=9223372036854775807-", true},
		{"bytes=0-1,-000", "bytes=0-1,9223372036854775807-", true},
		{"bytes=1-99999999999999999999", "bytes=1-", true},
		{"bytes=-99999999999999999999", "bytes=-9223372036854775807", true},
		{"bytes=99999999999999999999-", "bytes=9223372036854775807-", true},
		{"bytes=099999999999999999999-99999999999999999999", "bytes=9223372036854775807-", true},
		{"bytes=5-4", "", false},
		{"bytes=100000000000000000000-99999999999999999999", "", false},
		{"bytes=", "", false},
		{"bytes=a-b", "", false},
		{"pages=1-2", "", false},
	}
	for _, tt := range tests {
		out, ok := static.CleanRange(tt.in)
		if out != tt.out || ok != tt.ok {
			t.Errorf("cleanRange(%q) = %q, %v; want %q, %v", tt.in, out, ok, tt.out, tt.ok)
		}
	}
}
