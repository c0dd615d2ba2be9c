//go:build unix

package cgi_test

import (
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	ourcgi "github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/site"
)

// BenchmarkScript runs a small /bin/sh script per request, through this
// package and, beside it, through net/http/cgi's Handler: the cost of a
// request is mostly the fork and exec of the script either way.
func BenchmarkScript(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "hello.cgi")
	if err := os.WriteFile(file, []byte("#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhello'\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	s := site.New(ourcgi.NewScript(file))
	defer s.Close()
	for _, bb := range []struct {
		name string
		h    http.Handler
	}{
		{"gotwisted", s},
		{"net-http-cgi", &cgi.Handler{Path: file}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			srv := httptest.NewServer(bb.h)
			defer srv.Close()
			c := srv.Client()
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Get(srv.URL + "/x")
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "hello" {
					b.Fatalf("got %q", body)
				}
			}
		})
	}
}
