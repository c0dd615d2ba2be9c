package static_test

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
)

// FuzzChildPath checks the mapping from a path segment to a file: whatever
// the segment, it is refused or names one entry of the directory, the File
// is made only when that entry exists, and what the File opens for it is
// inside the served directory.
func FuzzChildPath(f *testing.F) {
	for _, seed := range []string{
		"hello.txt", "..", ".", "", "%2e%2e", "..%2f", "a/b", "a\\b", "\x00", "\xff",
		"link-out", "linkdir-out", "link-in", "sub", "CON", " ..", ".. ", "...", "h\u00e9llo.txt",
	} {
		f.Add(seed)
	}
	dir := makeTree(f)
	root := newFile(f, dir)
	sub, err := root.GetChild("sub", nil)
	if err != nil {
		f.Fatal(err)
	}
	subFile := sub.(*static.File)
	outside, err := os.Stat(filepath.Join(dir, "..", "outside", "secret.txt"))
	if err != nil {
		f.Fatal(err)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, seg string) {
		for _, parent := range []*static.File{root, subFile} {
			pname := static.FileName(parent)
			p, ok := static.ChildPath(pname, seg)
			if !ok {
				continue
			}
			if !utf8.ValidString(seg) || strings.ContainsAny(seg, "/\\\x00") || seg == "." || seg == ".." {
				t.Fatalf("childPath(%q, %q) accepted", pname, seg)
			}
			if !filepath.IsLocal(p) || path.Clean(p) != p || path.Join(pname, seg) != p {
				t.Fatalf("childPath(%q, %q) = %q, not one entry of the directory", pname, seg, p)
			}
			child, err := parent.GetChild(seg, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := static.StatInRoot(parent, p)
			cf, isFile := child.(*static.File)
			switch {
			case statErr != nil && isFile:
				t.Fatalf("GetChild(%q) = the File %q, which does not exist (%v)", seg, p, statErr)
			case statErr != nil:
				if page, ok := child.(*resource.Page); !ok || page.Code() != 404 && page.Code() != 403 {
					t.Fatalf("GetChild(%q) of a missing file = %T, want a 404 or 403 page", seg, child)
				}
				continue
			case !isFile || static.FileName(cf) != p:
				t.Fatalf("GetChild(%q) = %T, want the File %q", seg, child, p)
			}
			file, err := static.OpenInRoot(cf, p)
			if err != nil {
				continue
			}
			fi, err := file.Stat()
			file.Close()
			if err != nil {
				t.Fatal(err)
			}
			if os.SameFile(fi, outside) {
				t.Fatalf("%q opened the file outside the root", p)
			}
			real, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				t.Fatalf("%q opened in the root but does not resolve: %v", p, err)
			}
			if rel, err := filepath.Rel(realDir, real); err != nil || !filepath.IsLocal(rel) && rel != "." {
				t.Fatalf("%q resolves to %q, outside %q", p, real, realDir)
			}
		}
	})
}
