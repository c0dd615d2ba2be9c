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
		{"/files/.", 404},
		{"/files/%2e", 404},
		{"/files/./hello.txt", 404},
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
