package static_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

// makeListing builds a directory to list, inside a served directory.
func makeListing(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	list := filepath.Join(dir, "my dir")
	for _, d := range []string{"adir", "dir2 & 3", "a<b"} {
		if err := os.MkdirAll(filepath.Join(list, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]int{
		"file1":       8,
		"file2.txt":   7*1024 + 100,
		"a.txt.gz":    3,
		"<b>.html":    1,
		"back\\slash": 1,
		"\xff":        1,
	}
	for name, size := range files {
		if err := os.WriteFile(filepath.Join(list, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("nowhere", filepath.Join(list, "broken")); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	if err := os.Symlink("../../", filepath.Join(list, "up-out")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestListing(t *testing.T) {
	f := newFile(t, makeListing(t))
	s := serveTree(t, map[string]resource.Resource{"files": f})
	resp, body := s.do(t, "GET", "/files/my%20dir/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, "<title>Directory listing for /files/my dir/</title>") ||
		!strings.Contains(body, "<h1>Directory listing for /files/my dir/</h1>") {
		t.Errorf("header missing from %s", body)
	}
	rows := []string{
		`<tr class="odd"><td><a href="a%3Cb/">a&lt;b/</a></td><td></td><td>[Directory]</td><td></td></tr>`,
		`<tr class="even"><td><a href="adir/">adir/</a></td><td></td><td>[Directory]</td><td></td></tr>`,
		`<tr class="odd"><td><a href="dir2%20%26%203/">dir2 &amp; 3/</a></td><td></td><td>[Directory]</td><td></td></tr>`,
		`<tr class="even"><td><a href="%3Cb%3E.html">&lt;b&gt;.html</a></td><td>1B</td><td>[text/html; charset=utf-8]</td><td></td></tr>`,
		`<tr class="odd"><td><a href="a.txt.gz">a.txt.gz</a></td><td>3B</td><td>[text/plain; charset=utf-8]</td><td>[gzip]</td></tr>`,
		`<tr class="even"><td><a href="file1">file1</a></td><td>8B</td><td>[text/html]</td><td></td></tr>`,
		`<tr class="odd"><td><a href="file2.txt">file2.txt</a></td><td>7K</td><td>[text/plain; charset=utf-8]</td><td></td></tr>`,
	}
	want := strings.Join(rows, "\n") + "\n"
	if !strings.Contains(body, "<tbody>\n"+want+"</tbody>") {
		t.Errorf("rows:\n%s\nwant:\n%s", body, want)
	}
	for _, absent := range []string{"broken", "up-out", "slash", "\xff", "\ufffd"} {
		if strings.Contains(body, absent) {
			t.Errorf("listing shows %q", absent)
		}
	}

	resp, body = s.do(t, "HEAD", "/files/my%20dir/")
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
	resp, _ = s.do(t, "POST", "/files/my%20dir/")
	if resp.StatusCode != 405 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestListingHeaderEscaped(t *testing.T) {
	f := newFile(t, makeListing(t))
	s := serveTree(t, map[string]resource.Resource{"files": f})
	_, body := s.raw(t, "/files/my%20dir/a%3Cb/?q=%22x%22&%ff")
	want := "<h1>Directory listing for /files/my dir/a&lt;b/?q=&#34;x&#34;&amp;\ufffd</h1>"
	if !strings.Contains(body, want) {
		t.Errorf("body %s\nwant %s", body, want)
	}
}

func TestListingChildren(t *testing.T) {
	f := newFile(t, makeListing(t))
	s := serveTree(t, map[string]resource.Resource{"files": f})
	for _, target := range []string{"/files/my%20dir//file1", "/files/my%20dir//", "/files//x/y"} {
		resp, body := s.raw(t, target)
		if resp.StatusCode != 404 || body != notFoundPage {
			t.Errorf("%s: %d %q", target, resp.StatusCode, body)
		}
	}
}

func TestListingForbidden(t *testing.T) {
	dir := makeListing(t)
	f := newFile(t, dir)
	static.SetOpen(f, func(name string) (*os.File, error) {
		if name == "my dir" {
			return nil, os.ErrPermission
		}
		return static.OpenInRoot(f, name)
	})
	s := serveTree(t, map[string]resource.Resource{"files": f})
	if resp, _ := s.do(t, "GET", "/files/my%20dir/"); resp.StatusCode != 403 {
		t.Errorf("unreadable directory: %d, want 403", resp.StatusCode)
	}
}

func TestFormatFileSize(t *testing.T) {
	tests := []struct {
		size int64
		want string
	}{
		{0, "0B"}, {8, "8B"}, {1023, "1023B"}, {1024, "1K"}, {7*1024 + 100, "7K"},
		{1024*1024 - 1, "1023K"}, {1024 * 1024, "1M"}, {5 << 30, "5G"}, {1234567890000, "1149G"},
	}
	for _, tt := range tests {
		if got := static.FormatFileSize(tt.size); got != tt.want {
			t.Errorf("FormatFileSize(%d) = %q, want %q", tt.size, got, tt.want)
		}
	}
}
