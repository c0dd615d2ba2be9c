package static_test

import (
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

func TestData(t *testing.T) {
	s := serveTree(t, map[string]resource.Resource{
		"data":  static.NewData([]byte("some data"), "text/plain"),
		"empty": static.NewData(nil, "application/octet-stream"),
	})
	tests := []struct {
		method, path string
		code         int
		body, ctype  string
		length       int64
		allow        string
	}{
		{"GET", "/data", 200, "some data", "text/plain", 9, ""},
		{"HEAD", "/data", 200, "", "text/plain", 9, ""},
		{"GET", "/empty", 200, "", "application/octet-stream", 0, ""},
		{"POST", "/data", 405, "", "text/html; charset=utf-8", -2, "GET, HEAD, OPTIONS"},
		{"PUT", "/data", 405, "", "text/html; charset=utf-8", -2, "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/data", 200, "", "", 0, "GET, HEAD, OPTIONS"},
		{"GET", "/data/", 404, "", "text/html; charset=utf-8", 167, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := s.do(t, tt.method, tt.path)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.method == "HEAD" && body != "" {
				t.Errorf("HEAD body = %q", body)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if tt.length != -2 && resp.ContentLength != tt.length {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, tt.length)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}
