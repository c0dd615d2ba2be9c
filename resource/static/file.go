package static

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/util"
)

// File serves a file, or a directory and everything below it (Twisted's
// static.File). Make one with NewFile.
//
// A File for a directory maps each further path segment to the file of
// that name, as a File; the empty segment of a trailing slash gives the
// first index file that exists (IndexNames) or else a listing of the
// directory. A missing file, or a segment that cannot name a file of the
// directory, gives 404 "File not found."; a file the server may not read
// gives 403. Rendered without its trailing slash, a directory redirects to
// the same URL with the slash.
//
// A regular file is served with its Content-Type by extension
// ([mime.TypeByExtension], else DefaultType), a Content-Encoding for .gz
// and .bz2 files (whose type is then that of the extension before),
// Last-Modified, Accept-Ranges, and conditional and range requests as
// [net/http.ServeContent] answers them. A regular file has no children: a
// path below it gives 404.
//
// Children put with PutChild come before the files of the directory.
// Set the exported fields before serving: each child File takes them from
// its parent when traversal makes it. A File is safe for concurrent use.
type File struct {
	resource.Base

	// DefaultType is the Content-Type of files whose extension has no known
	// type. NewFile sets "text/html", as Twisted does.
	DefaultType string

	// IndexNames are the names of the files, tried in order, that a
	// directory serves for its trailing slash; when none is a regular file
	// the directory is listed. NewFile sets "index", "index.html" and
	// "index.htm".
	IndexNames []string

	// MaxRanges is the most ranges a Range header may ask for: a header
	// naming more is ignored, and the whole file is sent with 200 (RFC 9110
	// §14.2), so that a header of many small or repeated ranges cannot make
	// a response much larger than the file. Ranges that overlap or touch
	// are merged before they are sent. Zero means DefaultMaxRanges (16).
	MaxRanges int

	t    *tree
	name string // slash-separated path relative to t.root; "." is the root itself
}

// tree is what the Files made from one NewFile share.
type tree struct {
	root *os.Root
	open func(name string) (*os.File, error) // opens for reading in root; tests inject errors here
}

// NewFile returns a File that serves path, a directory or a file. The
// directory (for a file, the directory that holds it) is opened at once
// as an [os.Root], and nothing outside it is ever served; a symbolic link
// given as path itself is resolved first. Call Close when the File is no
// longer served.
func NewFile(path string) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dir, name := path, "."
	if !fi.IsDir() {
		if path, err = filepath.EvalSymlinks(path); err != nil {
			return nil, err
		}
		dir, name = filepath.Dir(path), filepath.Base(path)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &File{
		DefaultType: "text/html",
		IndexNames:  []string{"index", "index.html", "index.htm"},
		t:           &tree{root: root, open: func(name string) (*os.File, error) { return root.OpenFile(name, openFlags, 0) }},
		name:        name,
	}, nil
}

// check panics if f was not made by NewFile.
func (f *File) check() {
	if f.t == nil {
		panic("static: File used without NewFile")
	}
}

// Close closes the directory the File was made from. Every File of the
// tree stops serving: later requests get 404.
func (f *File) Close() error {
	f.check()
	return f.t.root.Close()
}

// Pages a File answers with, as Twisted's childNotFound and forbidden.
var (
	childNotFound = resource.NoResource("File not found.")
	forbidden     = resource.Forbidden("")
)

// GetChild returns the File for the segment name below f: for "" the index
// file or the directory listing, otherwise the file of that name. When name
// cannot name a file of f's directory, or no such file exists (f is not a
// directory, or has no entry of that name), it returns the 404 page, as
// Twisted's File.getChild does: traversal stops looking at the file system
// at the first segment that does not exist, so a path of any depth costs
// one file-system lookup per segment that does. For the last segment of
// the request's path the lookup is left to rendering, which opens the file.
func (f *File) GetChild(name string, r *request.Request) (resource.Resource, error) {
	f.check()
	if name == "" {
		return f.index()
	}
	child, ok := childPath(f.name, name)
	if !ok {
		return childNotFound, nil
	}
	// Without this check, every further segment of a path into a missing
	// file would build a longer name, and a path of n segments would cost
	// time and memory in n squared. The lookup goes through the root, so it
	// follows a link only while it stays inside the directory, and a link
	// that loops ends after the few links os.Root follows.
	if r == nil || morePath(r) {
		if _, err := f.t.root.Stat(child); err != nil {
			return errorPage(err)
		}
	}
	return f.child(child), nil
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
	return &File{DefaultType: f.DefaultType, IndexNames: f.IndexNames, MaxRanges: f.MaxRanges, t: f.t, name: name}
}

// childPath returns the root-relative path of the segment seg below dir, or
// ok=false when seg cannot be the name of one file of dir: empty, "." or
// "..", not UTF-8, or holding "/", "\" or NUL (or, on Windows, a name the
// system reserves). Whatever it returns, os.Root keeps the open inside the
// root; this check refuses early what should never reach the file system.
func childPath(dir, seg string) (string, bool) {
	if seg == "" || seg == "." || seg == ".." || !utf8.ValidString(seg) ||
		strings.ContainsAny(seg, "/\\\x00") || !filepath.IsLocal(seg) {
		return "", false
	}
	if dir == "." {
		return seg, true
	}
	return dir + "/" + seg, true
}

// index returns what a directory serves for its trailing slash: its first
// index file that is a regular file, else its listing; or the 404 page when
// f is not a directory.
func (f *File) index() (resource.Resource, error) {
	if f.name != "." { // the root is the open directory itself
		fi, err := f.t.root.Stat(f.name)
		if err != nil {
			return errorPage(err)
		}
		if !fi.IsDir() {
			return childNotFound, nil
		}
	}
	for _, n := range f.IndexNames {
		p := path.Join(f.name, n)
		if fi, err := f.t.root.Stat(p); err == nil && fi.Mode().IsRegular() {
			return f.child(p), nil
		}
	}
	return &lister{t: f.t, dir: f.name, defaultType: f.DefaultType}, nil
}

// errorPage returns the page for an error from the file system: 403 for a
// permission error, an error (500) for trouble of the server's own, such as
// running out of file descriptors, and 404 for the rest (missing, not a
// directory, a link that leaves the root, a name too long).
func errorPage(err error) (resource.Resource, error) {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return forbidden, nil
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENOMEM):
		return nil, err
	}
	return childNotFound, nil
}

// renderError renders the page for err.
func renderError(err error, r *request.Request) ([]byte, error) {
	page, err := errorPage(err)
	if err != nil {
		return nil, err
	}
	return resource.Render(page, r)
}

// RenderGET serves the file, or redirects a directory to its URL with a
// trailing slash. HEAD is served by it too, without a body.
func (f *File) RenderGET(r *request.Request) ([]byte, error) {
	f.check()
	file, err := f.t.open(f.name)
	if err != nil {
		return renderError(err, r)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return renderError(err, r)
	}
	switch {
	case fi.IsDir():
		return util.RedirectTo(dirURL(r), r), nil
	case !fi.Mode().IsRegular():
		return resource.Render(childNotFound, r)
	}
	serveFile(r, file, fi, f.name, f.DefaultType, f.MaxRanges)
	return nil, nil
}

// dirURL returns where a directory rendered without its trailing slash
// redirects: the request's URI with "/" added to the path and the query
// kept, relative as Twisted sends it; util.LocalPath keeps a path that
// begins with "//" from reading as another host's URL.
func dirURL(r *request.Request) string {
	p, q, hasQuery := strings.Cut(r.URI(), "?")
	loc := util.LocalPath(p + "/")
	if hasQuery {
		loc += "?" + q
	}
	return loc
}
