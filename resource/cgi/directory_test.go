//go:build unix

package cgi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/cgi"
)

// directory makes a tree of scripts and serves it at /cgi-bin.
func directory(t *testing.T) (*served, *cgi.Directory, string) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "cgi-bin")
	for _, d := range []string{"sub/deeper", "empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeScript(t, dir, "env.cgi", envScript)
	writeScript(t, dir, "sub/deeper/env.cgi", envScript)
	writeScript(t, base, "outside.cgi", envScript)
	if err := os.Symlink("../outside.cgi", filepath.Join(dir, "escape.cgi")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/deeper/env.cgi", filepath.Join(dir, "inside.cgi")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := cgi.NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.Env = []string{"FROM_DIRECTORY=yes"}
	d.PutChild("put", resource.ErrorPage(http.StatusTeapot, "Put", "a child put there"))
	root := resource.New()
	root.PutChild("cgi-bin", d)
	return serve(t, root), d, dir
}

func TestDirectory(t *testing.T) {
	srv, _, dir := directory(t)
	const (
		notFound  = "File not found."
		noListing = "CGI directories do not support directory listing."
	)
	tests := []struct {
		target               string
		code                 int
		scriptName, pathInfo string // for a script
		file                 string // the SCRIPT_FILENAME, relative to dir
		page                 string // for a page
	}{
		{"/cgi-bin/env.cgi", 200, "/cgi-bin/env.cgi", "", "env.cgi", ""},
		{"/cgi-bin/env.cgi/a/b?x=1", 200, "/cgi-bin/env.cgi", "/a/b", "env.cgi", ""},
		{"/cgi-bin/sub/deeper/env.cgi/", 200, "/cgi-bin/sub/deeper/env.cgi", "/", "sub/deeper/env.cgi", ""},
		{"/cgi-bin/inside.cgi/x", 200, "/cgi-bin/inside.cgi", "/x", "inside.cgi", ""},
		{"/cgi-bin//env.cgi", 200, "/cgi-bin//env.cgi", "", "env.cgi", ""},
		{"/cgi-bin/missing.cgi", 404, "", "", "", notFound},
		{"/cgi-bin/sub/missing.cgi/x", 404, "", "", "", notFound},
		{"/cgi-bin/env.cgi%00", 404, "", "", "", notFound},
		{"/cgi-bin/%2e%2e/outside.cgi", 404, "", "", "", notFound},
		{"/cgi-bin/sub%2F..%2F..%2Foutside.cgi", 404, "", "", "", notFound},
		{"/cgi-bin/escape.cgi", 404, "", "", "", notFound},
		{"/cgi-bin/up/outside.cgi", 404, "", "", "", notFound},
		{"/cgi-bin/fifo", 404, "", "", "", notFound},
		{"/cgi-bin", 404, "", "", "", noListing},
		{"/cgi-bin/", 404, "", "", "", noListing},
		{"/cgi-bin/sub", 404, "", "", "", noListing},
		{"/cgi-bin/empty/", 404, "", "", "", noListing},
		{"/cgi-bin/put", 418, "", "", "", "a child put there"},
	}
	for _, tt := range tests {
		got := srv.get(t, tt.target)
		if got.code != tt.code {
			t.Errorf("%s: %d %.100q, want %d", tt.target, got.code, got.body, tt.code)
			continue
		}
		if tt.page != "" {
			if !strings.Contains(got.body, tt.page) {
				t.Errorf("%s: page %q, want %q", tt.target, got.body, tt.page)
			}
			continue
		}
		env, _ := parseEnv(got.body)
		want := map[string]string{
			"SCRIPT_NAME":     tt.scriptName,
			"PATH_INFO":       tt.pathInfo,
			"SCRIPT_FILENAME": filepath.Join(dir, tt.file),
			"FROM_DIRECTORY":  "yes",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s: %s=%q, want %q", tt.target, k, env[k], v)
			}
		}
	}
}

// TestDirectoryRawDotDot sends ".." segments that a client would clean.
func TestDirectoryRawDotDot(t *testing.T) {
	srv, _, _ := directory(t)
	for _, target := range []string{"/cgi-bin/../cgi-bin/env.cgi", "/cgi-bin/sub/../../outside.cgi", "/cgi-bin/./env.cgi"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", target, resp.StatusCode)
		}
	}
}

func TestDirectoryClosed(t *testing.T) {
	srv, d, _ := directory(t)
	if got := srv.get(t, "/cgi-bin/env.cgi"); got.code != 200 {
		t.Fatalf("before Close: %d", got.code)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := srv.get(t, "/cgi-bin/env.cgi"); got.code != 404 {
		t.Errorf("after Close: %d", got.code)
	}
}

func TestNewDirectoryMissing(t *testing.T) {
	if _, err := cgi.NewDirectory(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("no error for a missing directory")
	}
}
