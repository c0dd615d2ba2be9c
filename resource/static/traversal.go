package static

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// This file holds traversal: how a File finds the resource for the next
// segment of a path (GetChild). A segment that cannot name a file of the
// directory is refused before the file system is asked; a name that is
// missing is tried with IgnoredExts; a file whose extension (or whose
// link's target's) has a processor is served by what it makes; the empty
// segment of a trailing slash gives the index file or the listing.

// GetChild returns the resource for the segment name below f: for "" the
// index file or the directory listing, for "." f's directory itself,
// otherwise the file of that name (or, failing it, of that name with one of
// IgnoredExts), or what its processor makes. When name cannot name a file
// of f's directory, or no such file exists (f is not a directory, or has no
// entry of that name), it returns the NotFound page, as Twisted's
// File.getChild does: traversal stops looking at the file system at the
// first segment that does not exist, so a path of any depth costs one
// file-system lookup per segment that does. For the last segment of the
// request's path, with no IgnoredExts or Processors to consider, the
// lookup is left to rendering, which opens the file.
func (f *File) GetChild(name string, r *request.Request) (resource.Resource, error) {
	f.check()
	if name == "" {
		return f.index()
	}
	if name == "." {
		// The directory itself, as a new File without f's put children.
		if ok, page, err := f.isDir(); !ok {
			return page, err
		}
		return f.child(f.name), nil
	}
	child, ok := childPath(f.name, name)
	if !ok {
		return f.notFound(), nil
	}
	// Without this check, every further segment of a path into a missing
	// file would build a longer name, and a path of n segments would cost
	// time and memory in n squared. The lookup goes through the root, so it
	// follows a link only while it stays inside the directory, and a link
	// that loops ends after the few links os.Root follows.
	if r == nil || morePath(r) || len(f.IgnoredExts) > 0 || len(f.Processors) > 0 {
		if _, err := f.stat(child); err != nil {
			found := false
			if errors.Is(err, fs.ErrNotExist) {
				child, found = f.withIgnoredExt(child)
			}
			if !found {
				return f.errorPage(err)
			}
		}
	}
	return f.serving(child)
}

// serving returns the resource that serves the root-relative name, which
// exists: its processor's, or a File.
func (f *File) serving(name string) (resource.Resource, error) {
	if p := f.processorFor(name); p != nil {
		return p(f.t.path(name))
	}
	return f.child(name), nil
}

// maxLinks bounds the symbolic links processorFor follows from one name,
// as the system's own limit (ELOOP) does; a longer chain ends the walk.
const maxLinks = 40

// processorFor returns the processor for the root-relative name, which
// exists, or nil. A name that is a symbolic link is judged by the names
// along its chain of links as well as its own: the first of them with a
// processor, from the file the links reach back to the name asked for,
// gives it. So a link "app.txt" to "app.rpy" is served as app.rpy is, and
// never as its bytes, while a link to a plain file stays a plain file.
// The links are read by the rule stat follows (inside the root unless
// FollowSymlinks); the link of a directory on the way is resolved by the
// lookups themselves, so a link's relative target is taken from where the
// link really is.
func (f *File) processorFor(name string) func(string) (resource.Resource, error) {
	if len(f.Processors) == 0 {
		return nil
	}
	lstat, readlink, cur := f.t.root.Lstat, f.t.root.Readlink, filepath.FromSlash(name)
	if f.FollowSymlinks {
		lstat, readlink, cur = os.Lstat, os.Readlink, f.t.path(name)
	}
	names := []string{path.Base(name)}
	for range maxLinks {
		fi, err := lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		target, err := readlink(cur)
		if err != nil {
			break
		}
		names = append(names, filepath.Base(target))
		if filepath.IsAbs(target) {
			cur = target // os.Root refuses it, as stat did, unless FollowSymlinks
			continue
		}
		// Not filepath.Join, which would clean "dir/link/../x" to "dir/x"
		// and so lose the directory the link leads to.
		cur = cur[:lastSeparator(cur)+1] + target
	}
	for _, n := range slices.Backward(names) {
		if p := f.processor(n); p != nil {
			return p
		}
	}
	return nil
}

// lastSeparator returns the index of the last path separator in p, or -1.
func lastSeparator(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if os.IsPathSeparator(p[i]) {
			return i
		}
	}
	return -1
}

// processor returns the processor for the extension of name, or nil.
func (f *File) processor(name string) func(string) (resource.Resource, error) {
	if len(f.Processors) == 0 {
		return nil
	}
	ext := path.Ext(name)
	if p, ok := f.Processors[ext]; ok {
		return p
	}
	for e, p := range f.Processors {
		if strings.EqualFold(e, ext) {
			return p
		}
	}
	return nil
}

// withIgnoredExt looks for the missing root-relative name with each of
// IgnoredExts added, in order, as Twisted's siblingExtensionSearch.
func (f *File) withIgnoredExt(name string) (string, bool) {
	for _, ext := range f.IgnoredExts {
		if ext != "*" {
			if _, err := f.stat(name + ext); err == nil {
				return name + ext, true
			}
			continue
		}
		dir, base := path.Split(name)
		if dir == "" {
			dir = "."
		}
		des, err := (&File{FollowSymlinks: f.FollowSymlinks, t: f.t, name: path.Clean(dir)}).ReadDir()
		if err != nil {
			continue
		}
		for _, de := range des {
			if n := de.Name(); strings.HasPrefix(n, base+".") {
				if p, ok := childPath(path.Clean(dir), n); ok {
					if _, err := f.stat(p); err == nil {
						return p, true
					}
				}
			}
		}
	}
	return "", false
}

// morePath reports whether segments remain in r's postpath, without
// building the postpath (which a long path would make costly): it takes
// the next segment and gives it back.
func morePath(r *request.Request) bool {
	if _, ok := r.Consume(); ok {
		r.Unconsume()
		return true
	}
	return false
}

// child returns the File for the root-relative path name, with f's settings.
func (f *File) child(name string) *File {
	return &File{
		DefaultType:      f.DefaultType,
		ContentTypes:     f.ContentTypes,
		ContentEncodings: f.ContentEncodings,
		IndexNames:       f.IndexNames,
		IgnoredExts:      f.IgnoredExts,
		Processors:       f.Processors,
		Listing:          f.Listing,
		NotFound:         f.NotFound,
		Forbidden:        f.Forbidden,
		FollowSymlinks:   f.FollowSymlinks,
		MaxRanges:        f.MaxRanges,
		t:                f.t,
		name:             name,
	}
}

// childPath returns the root-relative path of the segment seg below dir, or
// ok=false when seg cannot be the name of one file of dir: empty, "..", not
// UTF-8, or holding "/", "\" or NUL (or, on Windows, a name the system
// reserves). The segment "." names dir itself, as a path's "." does.
// Whatever it returns, os.Root keeps the open inside the root; this check
// refuses early what should never reach the file system.
func childPath(dir, seg string) (string, bool) {
	if seg == "." {
		return dir, true
	}
	if seg == "" || seg == ".." || !utf8.ValidString(seg) ||
		strings.ContainsAny(seg, "/\\\x00") || !filepath.IsLocal(seg) {
		return "", false
	}
	if dir == "." {
		return seg, true
	}
	return dir + "/" + seg, true
}

// index returns what a directory serves for its trailing slash: its first
// index file that is a regular file (or what its processor makes), else
// its listing; or the NotFound page when f is not a directory.
func (f *File) index() (resource.Resource, error) {
	if ok, page, err := f.isDir(); !ok {
		return page, err
	}
	for _, n := range f.IndexNames {
		p := path.Join(f.name, n)
		if fi, err := f.stat(p); err == nil && fi.Mode().IsRegular() {
			return f.serving(p)
		}
	}
	if f.Listing != nil {
		return f.Listing(f), nil
	}
	return &lister{f: f}, nil
}

// isDir reports whether f is a directory; if it is not, it returns the
// page to answer with.
func (f *File) isDir() (bool, resource.Resource, error) {
	if f.name == "." && !f.FollowSymlinks && !f.t.closed.Load() {
		return true, nil, nil // the root is the open directory itself
	}
	fi, err := f.stat(f.name)
	if err != nil {
		page, err := f.errorPage(err)
		return false, page, err
	}
	if !fi.IsDir() {
		return false, f.notFound(), nil
	}
	return true, nil, nil
}
