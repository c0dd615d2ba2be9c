package static_test

import (
	"strings"
	"testing"
)

// TestTraversal sends paths that try to leave the served directory, as
// raw request targets that no client cleaned. Each must be refused.
func TestTraversal(t *testing.T) {
	s := serveFiles(t)
	tests := []struct {
		target string
		code   int
	}{
		{"/files/..", 404},
		{"/files/../outside/secret.txt", 404},
		{"/files/sub/../../outside/secret.txt", 404},
		{"/files/sub/../hello.txt", 404},
		{"/files/%2e%2e/outside/secret.txt", 404},
		{"/files/%2E%2E/%2E%2E/etc/passwd", 404},
		{"/files/sub/%2e%2e/%2e%2e/outside/secret.txt", 404},
		{"/files/%252e%252e/outside/secret.txt", 404},
		{"/files/%252e%252e%252foutside%252fsecret.txt", 404},
		{"/files/..%2foutside%2fsecret.txt", 404},
		{"/files/sub/..%2f..%2foutside%2fsecret.txt", 404},
		{"/files/..%5coutside%5csecret.txt", 404},
		{"/files/..\\outside\\secret.txt", 404},
		{"/files/sub\\..\\hello.txt", 404},
		{"/files/hello.txt%00", 404},
		{"/files/hello.txt%00.html", 404},
		{"/files/%00", 404},
		{"/files/./../outside/secret.txt", 404},
		{"/files/sub/./../../outside/secret.txt", 404},
		{"/files/hello.txt/.", 404},
		{"/files/./link-out", 404},
		{"/files/%ff", 404},
		{"/files/h%e9llo.txt", 404},
		{"/files/%2fetc%2fpasswd", 404},
		{"/files//etc/passwd", 404},
		{"/files/link-out", 404},
		{"/files/link-abs-out", 404},
		{"/files/linkdir-out/secret.txt", 404},
		{"/files/linkdir-in/../../outside/secret.txt", 404},
		{"/files/sub/link-up-out", 404},
		{"http://example.com/files/../outside/secret.txt", 404},
		{"/files/secret.txt", 403},
		// Links that stay inside are followed.
		{"/files/link-in", 200},
		{"/files/sub/link-up", 200},
		{"/files/linkdir-in/inner.txt", 200},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp, body := s.raw(t, tt.target)
			if resp.StatusCode != tt.code {
				t.Errorf("status = %d, want %d; body %q", resp.StatusCode, tt.code, body)
			}
			if tt.code == 404 && body != notFoundPage {
				t.Errorf("body = %q, want File not found", body)
			}
			if strings.Contains(body, secret) || strings.Contains(body, "root:") {
				t.Errorf("body shows a file outside the root: %q", body)
			}
		})
	}
}

// TestDotSegment: "." names the directory it is in, as in Twisted (whose
// FilePath.child(".") is the directory itself): /./a serves /a, and /.
// redirects to /./ as any directory does without its slash.
func TestDotSegment(t *testing.T) {
	s := serveFiles(t)
	tests := []struct {
		target   string
		code     int
		body     string // when not ""
		location string // when not ""
	}{
		{"/files/./hello.txt", 200, "hello, world\n", ""},
		{"/files/%2e/hello.txt", 200, "hello, world\n", ""},
		{"/files/sub/./inner.txt", 200, "inner\n", ""},
		{"/files/././sub/././deeper/./deep.txt", 200, "deep\n", ""},
		{"/files/.", 302, "", "/files/./"},
		{"/files/%2e", 302, "", "/files/%2e/"},
		{"/files/sub/.", 302, "", "/files/sub/./"},
		{"/files/./", 200, "hello.txt", ""},
		{"/files/withindex/./", 200, "index page\n", ""},
		{"/files/./missing", 404, notFoundPage, ""},
		{"/files/hello.txt/.", 404, notFoundPage, ""},
	}
	for _, tt := range tests {
		resp, body := s.raw(t, tt.target)
		if resp.StatusCode != tt.code || tt.body != "" && !strings.Contains(body, tt.body) ||
			tt.location != "" && resp.Header.Get("Location") != tt.location {
			t.Errorf("%s: %d Location %q body %q; want %d %q %q", tt.target, resp.StatusCode,
				resp.Header.Get("Location"), body, tt.code, tt.location, tt.body)
		}
	}
}
