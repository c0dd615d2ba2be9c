package static

import (
	"errors"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/util"
)

// File serves a file, or a directory and everything below it (Twisted's
// static.File). Make one with NewFile.
//
// A File for a directory maps each further path segment to the file of
// that name, as a File; the segment "." names the directory itself, as in
// Twisted, and ".." is refused. The empty segment of a trailing slash gives
// the first index file that exists (IndexNames) or else a listing of the
// directory (Listing). A missing file, or a segment that cannot name a file
// of the directory, gives the NotFound page (404 "File not found.") to
// every method; a file the server may not read gives the Forbidden page
// (403). Rendered without its trailing slash, a directory redirects to the
// same URL with the slash.
//
// A regular file is served, to GET and HEAD, with its Content-Type by
// extension (ContentTypes, then [mime.TypeByExtension], else DefaultType),
// a Content-Encoding by extension (ContentEncodings: for "a.txt.gz" gzip,
// and the type is then that of ".txt"), Last-Modified, Accept-Ranges, and
// conditional and range requests as [net/http.ServeContent] answers them;
// other methods get 405 with Allow. A regular file has no children: a path
// below it gives 404. A file whose extension is in Processors is served by
// the resource its processor makes instead, and so is a symbolic link to
// such a file, whatever the link's own name.
//
// Children put with PutChild come before the files of the directory.
// Set the exported fields before serving; they must not change afterwards:
// each child File takes them from its parent when traversal makes it (the
// maps and slices are shared, not copied). A File is safe for concurrent
// use.
type File struct {
	resource.Base

	// DefaultType is the Content-Type of files whose extension has no known
	// type. NewFile sets "text/html", as Twisted does.
	DefaultType string

	// ContentTypes maps file extensions, lower-case with their dot
	// (".md"), to the Content-Type of those files, before the mime
	// package's table is asked (Twisted's File.contentTypes). nil: the mime
	// table alone.
	ContentTypes map[string]string

	// ContentEncodings maps the extensions of compressed files, lower-case
	// with their dot, to the Content-Encoding they are served with
	// (Twisted's File.contentEncodings); such a file's Content-Type is that
	// of the extension before. NewFile sets ".gz": "gzip" and ".bz2":
	// "bzip2"; nil: none.
	ContentEncodings map[string]string

	// IndexNames are the names of the files, tried in order, that a
	// directory serves for its trailing slash; when none is a regular file
	// the directory is listed. NewFile sets "index", "index.html" and
	// "index.htm".
	IndexNames []string

	// IgnoredExts are extensions a request may leave out (Twisted's
	// ignoredExts): when no file has the name asked for, the name with
	// each extension in turn is tried, so that with ".html" here /about
	// serves about.html. "*" stands for any extension: the first name of
	// the directory, in sorted order, that is the name asked for followed
	// by a dot. Empty by default.
	IgnoredExts []string

	// Processors map file extensions (with their dot; compared without
	// regard to case) to functions that make the resource serving such a
	// file in place of its bytes, given the file's path on disk (Twisted's
	// File.processors, which run .rpy and .cgi files). The file has been
	// found inside the directory, by the rules a request follows, before
	// the processor is called; an error it returns gives the failure page.
	// A symbolic link takes the processor of the file it leads to (or of a
	// link on the way) when that has one, so that a link cannot show as
	// bytes a file its processor would not; the path given is the one the
	// request named. gotwistd maps .cgi to a cgi.Script this way, and .rpy
	// and .epy to 403 pages.
	Processors map[string]func(path string) (resource.Resource, error)

	// Listing, when set, makes the resource that a directory without an
	// index file serves for its trailing slash, in place of the built-in
	// HTML listing (Twisted's File.directoryListing, which subclasses
	// override). It is given the directory's File, whose Name and ReadDir
	// describe it. NoListing turns listings off.
	Listing func(dir *File) resource.Resource

	// NotFound and Forbidden are the pages for a missing file and for one
	// the server may not read (Twisted's File.childNotFound and
	// File.forbidden). nil: the 404 page "File not found." and the 403
	// page "Sorry, resource is forbidden.".
	NotFound, Forbidden resource.Resource

	// FollowSymlinks lets symbolic links lead out of the directory, as
	// Twisted's File does: a link is then followed wherever it points.
	// Off by default, so that nothing outside the directory is served;
	// turn it on only for a tree whose links you trust. "..", and names
	// that hold "/", are refused either way.
	FollowSymlinks bool

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
	root   *os.Root
	dir    string                              // the directory, absolute, for FollowSymlinks and Processors
	open   func(name string) (*os.File, error) // opens for reading in root; tests inject errors here
	closed atomic.Bool
}

// NewFile returns a File that serves path, a directory or a file. The
// directory (for a file, the directory that holds it) is opened at once
// as an [os.Root], and nothing outside it is ever served, unless
// FollowSymlinks is set; a symbolic link given as path itself is resolved
// first. Call Close when the File is no longer served.
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
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	f := &File{
		DefaultType:      "text/html",
		ContentEncodings: maps.Clone(defaultEncodings),
		IndexNames:       []string{"index", "index.html", "index.htm"},
		t: &tree{root: root, dir: dir,
			open: func(name string) (*os.File, error) { return root.OpenFile(name, openFlags, 0) }},
		name: name,
	}
	introspect.SetDescribe(f, f.describe)
	return f, nil
}

// describe tells the inspector (resource/inspect), through package
// introspect, what f serves; the files of a directory are not listed.
func (f *File) describe(info *introspect.Info) {
	if f.name == "." {
		info.Kind = "static directory"
		info.Notes = []string{"directory " + f.t.root.Name() + ": its files are GetChild's, not listed"}
		return
	}
	info.Kind = "static file"
	info.Notes = []string{"file " + f.name + " in " + f.t.root.Name()}
}

// defaultEncodings are Twisted's File.contentEncodings.
var defaultEncodings = map[string]string{".gz": "gzip", ".bz2": "bzip2"}

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
	f.t.closed.Store(true)
	return f.t.root.Close()
}

// Name returns the path of the file f serves, relative to the directory
// given to NewFile, with slashes: "." for that directory itself (or, when
// NewFile was given a file, that file's name).
func (f *File) Name() string { return f.name }

// ReadDir returns the entries of the directory f serves, sorted by name,
// as os.ReadDir does; an error if f is not a directory. It reads through
// the same rules as requests: inside the directory unless FollowSymlinks.
func (f *File) ReadDir() ([]fs.DirEntry, error) {
	d, err := f.open(f.name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	des, err := d.ReadDir(-1)
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return des, err
}

// NoListing is a Listing that answers every directory without an index
// file with its File's Forbidden page (403), so that no directory is
// listed.
func NoListing(dir *File) resource.Resource { return dir.forbidden() }

// Pages a File answers with by default, as Twisted's childNotFound and
// forbidden.
var (
	childNotFound = resource.NoResource("File not found.")
	forbiddenPage = resource.Forbidden("")
)

func (f *File) notFound() resource.Resource {
	if f.NotFound != nil {
		return f.NotFound
	}
	return childNotFound
}

func (f *File) forbidden() resource.Resource {
	if f.Forbidden != nil {
		return f.Forbidden
	}
	return forbiddenPage
}

// stat returns the FileInfo of the root-relative name, following links:
// inside the root only, unless FollowSymlinks.
func (f *File) stat(name string) (fs.FileInfo, error) {
	if f.FollowSymlinks {
		if f.t.closed.Load() {
			return nil, os.ErrClosed
		}
		return os.Stat(f.t.path(name))
	}
	return f.t.root.Stat(name)
}

// open opens the root-relative name for reading, by the rule stat follows.
func (f *File) open(name string) (*os.File, error) {
	if f.FollowSymlinks {
		if f.t.closed.Load() {
			return nil, os.ErrClosed
		}
		return os.OpenFile(f.t.path(name), openFlags, 0)
	}
	return f.t.open(name)
}

// path returns the path on disk of the root-relative name.
func (t *tree) path(name string) string { return filepath.Join(t.dir, filepath.FromSlash(name)) }

// errorPage returns the page for an error from the file system: Forbidden
// for a permission error, an error (500) for trouble of the server's own,
// such as running out of file descriptors, and NotFound for the rest
// (missing, not a directory, a link that leaves the root, a name too long).
func (f *File) errorPage(err error) (resource.Resource, error) {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return f.forbidden(), nil
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENOMEM):
		return nil, err
	}
	return f.notFound(), nil
}

// renderError renders the page for err.
func (f *File) renderError(err error, r *request.Request) ([]byte, error) {
	page, err := f.errorPage(err)
	if err != nil {
		return nil, err
	}
	return resource.Render(page, r)
}

// Render answers every method as Twisted's File does: GET and HEAD as
// RenderGET; any other method with the NotFound (or Forbidden) page when
// the file cannot be served, and otherwise as a resource that renders GET
// alone answers it (405 with Allow, 501 for an unknown method, OPTIONS
// with the Allow list).
func (f *File) Render(r *request.Request) ([]byte, error) {
	f.check()
	switch r.Method() {
	case http.MethodGet, http.MethodHead:
		return f.RenderGET(r)
	}
	fi, err := f.stat(f.name)
	if err != nil {
		return f.renderError(err, r)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return resource.Render(f.notFound(), r)
	}
	return resource.Render(getOnly{f: f}, r)
}

// getOnly is a File seen as a resource that renders GET and nothing else,
// for the method dispatch of Render.
type getOnly struct {
	resource.Leaf
	f *File
}

func (g getOnly) RenderGET(r *request.Request) ([]byte, error) { return g.f.RenderGET(r) }

// RenderGET serves the file, or redirects a directory to its URL with a
// trailing slash. HEAD is served by it too, without a body.
func (f *File) RenderGET(r *request.Request) ([]byte, error) {
	f.check()
	file, err := f.open(f.name)
	if err != nil {
		return f.renderError(err, r)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return f.renderError(err, r)
	}
	switch {
	case fi.IsDir():
		return util.RedirectTo(dirURL(r), r), nil
	case !fi.Mode().IsRegular():
		return resource.Render(f.notFound(), r)
	}
	f.serveFile(r, file, fi)
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
