package static_test

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
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
			if seg == "." {
				if p != pname {
					t.Fatalf("childPath(%q, \".\") = %q, want the directory itself", pname, p)
				}
				continue
			}
			if !utf8.ValidString(seg) || strings.ContainsAny(seg, "/\\\x00") || seg == ".." {
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

// FuzzCleanRange checks the Range header cleaner against a plain reading
// of RFC 9110 §14.1.2 with numbers of any size: the header is kept exactly
// when the reading accepts it, the ranges kept cover the same bytes, none
// of them overlap or touch, and there are never more than the limit.
func FuzzCleanRange(f *testing.F) {
	for _, seed := range []string{
		"bytes=0-0", "bytes=1-3,5-,-2", "bytes=-0", "bytes=0-1,1-2", "bytes=5-6,0-1,2-4",
		"bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes=5-4", "pages=1-2",
		" bytes = 1-3 ,, 5- ", "bytes=" + strings.Repeat("0-0,", 20), "bytes=1-2-3", "bytes=+1-2",
	} {
		f.Add(seed, uint16(64), uint8(0))
	}
	f.Add("bytes=0-", uint16(0), uint8(0))
	f.Add("bytes=0-0,2-2,4-4", uint16(10), uint8(2))
	f.Fuzz(func(t *testing.T, h string, size uint16, limit uint8) {
		sz, max := int64(size%4096), int(limit%40)
		out, ok := static.CleanRange(h, sz, max)
		want, wantOK := readRanges(h, sz, max)
		if ok != wantOK {
			t.Fatalf("cleanRange(%q, %d, %d) = %q, %v; want ok=%v", h, sz, max, out, ok, wantOK)
		}
		if !ok {
			return
		}
		if !slices.Contains(want, true) {
			if out != "bytes=9223372036854775807-" {
				t.Fatalf("cleanRange(%q, %d) = %q, want the unsatisfiable range", h, sz, out)
			}
			return
		}
		set, found := strings.CutPrefix(out, "bytes=")
		if !found {
			t.Fatalf("cleanRange(%q) = %q", h, out)
		}
		got := make([]bool, sz)
		var spans [][2]int64
		for _, part := range strings.Split(set, ",") {
			a, b, _ := strings.Cut(part, "-")
			start, err1 := strconv.ParseInt(a, 10, 64)
			end, err2 := strconv.ParseInt(b, 10, 64)
			if err1 != nil || err2 != nil || start < 0 || start > end || end >= sz {
				t.Fatalf("cleanRange(%q, %d) = %q: bad range %q", h, sz, out, part)
			}
			for _, s := range spans {
				if start <= s[1]+1 && s[0] <= end+1 {
					t.Fatalf("cleanRange(%q, %d) = %q: %q touches %d-%d", h, sz, out, part, s[0], s[1])
				}
			}
			spans = append(spans, [2]int64{start, end})
			for i := start; i <= end; i++ {
				got[i] = true
			}
		}
		if limit := max; limit <= 0 && len(spans) > static.DefaultMaxRanges || limit > 0 && len(spans) > limit {
			t.Fatalf("cleanRange(%q) = %q: %d ranges", h, out, len(spans))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("cleanRange(%q, %d) = %q covers other bytes than asked", h, sz, out)
		}
	})
}

// readRanges reads a Range header for a file of size bytes, with numbers
// of any length: which bytes it asks for, or ok=false when it must be
// ignored (malformed, another unit, more than max ranges, an empty file).
func readRanges(h string, size int64, max int) (covered []bool, ok bool) {
	unit, set, found := strings.Cut(h, "=")
	if !found || strings.TrimSpace(unit) != "bytes" || size == 0 {
		return nil, false
	}
	if max <= 0 {
		max = static.DefaultMaxRanges
	}
	covered = make([]bool, size)
	sz := strconv.FormatInt(size, 10)
	n := 0
	for _, e := range strings.Split(set, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if n++; n > max {
			return nil, false
		}
		a, b, found := strings.Cut(e, "-")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		okA, okB := decimal(a), decimal(b)
		switch {
		case !found || !okA && !okB || a != "" && !okA || b != "" && !okB:
			return nil, false
		case okA && okB && cmpDecimal(a, b) > 0:
			return nil, false
		}
		var start, end int64
		switch {
		case a == "": // the last b bytes
			if cmpDecimal(b, "0") == 0 {
				continue
			}
			if cmpDecimal(b, sz) < 0 {
				start = size - atoi(b)
			}
			end = size - 1
		case cmpDecimal(a, sz) >= 0:
			continue // starts past the end
		default:
			start, end = atoi(a), size-1
			if b != "" && cmpDecimal(b, sz) < 0 {
				end = atoi(b)
			}
		}
		for i := start; i <= end; i++ {
			covered[i] = true
		}
	}
	return covered, n > 0
}

// decimal reports whether s is a non-empty run of ASCII digits.
func decimal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// cmpDecimal compares the numbers that two runs of digits write, of any
// length.
func cmpDecimal(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := len(a) - len(b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// atoi returns the number that s, digits of a number below some file's
// size, writes.
func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}
