package cgi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Directory is a directory of CGI scripts (Twisted's CGIDirectory): the
// child named by a path segment is the file of that name, a Script when it
// is a regular file and a Directory when it is a directory, so that
// /cgi-bin/sub/hello.cgi/x runs sub/hello.cgi with PATH_INFO /x. A name
// that is not in the directory gives 404 "File not found.", as does the
// directory itself ("CGI directories do not support directory listing.").
//
// A Directory looks names up through an [os.Root] opened on its directory,
// so that neither "..", nor a name holding "/" or NUL, nor a symbolic link
// that points outside it can reach a file elsewhere: those give 404. A
// symbolic link that stays inside is followed. The script found is run by
// its path, so a file renamed between the lookup and the start is not
// guarded against: the directory must not be writable by those it
// protects against.
//
// Make one with NewDirectory; set Options before serving: each child takes
// them from its parent when traversal makes it. Children put with PutChild
// come before the files. A Directory is safe for concurrent use.
type Directory struct {
	resource.Base
	Options

	root *os.Root // shared by the Directories of one tree
	dir  string   // the absolute path root was opened on
	name string   // this directory, slash-separated, relative to root: "." for root
}

var (
	_ resource.Renderer    = (*Directory)(nil)
	_ resource.ChildGetter = (*Directory)(nil)
)

// NewDirectory returns a Directory for the scripts in the directory path,
// which it opens at once. Call Close when it is no longer served.
func NewDirectory(path string) (*Directory, error) {
	dir, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Directory{root: root, dir: dir, name: "."}, nil
}

// Close closes the directory NewDirectory opened. Every Directory below it
// stops finding scripts: later requests get 404.
func (d *Directory) Close() error {
	d.check()
	return d.root.Close()
}

func (d *Directory) check() {
	if d.root == nil {
		panic("cgi: Directory used without NewDirectory")
	}
}

// Pages of a Directory, Twisted's.
var (
	fileNotFound = resource.NoResource("File not found.")
	noListing    = resource.NoResource("CGI directories do not support directory listing.")
)

// GetChild returns the resource for the file name in d: a Script for a
// regular file, a Directory for a directory (d itself for "", the segment
// of a trailing slash), the 404 page for anything else or nothing. An error
// of the system's own, such as running out of file descriptors, is
// returned (500).
func (d *Directory) GetChild(name string, _ *request.Request) (resource.Resource, error) {
	d.check()
	if name == "" {
		return d, nil
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || !filepath.IsLocal(name) {
		return fileNotFound, nil
	}
	rel := name
	if d.name != "." {
		rel = d.name + "/" + name
	}
	fi, err := d.root.Stat(rel)
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE), errors.Is(err, syscall.ENOMEM):
		return nil, err
	case err != nil:
		return fileNotFound, nil // missing, unreadable, or a link out of the directory
	case fi.IsDir():
		return &Directory{Options: d.Options, root: d.root, dir: d.dir, name: rel}, nil
	case fi.Mode().IsRegular():
		s := NewScript(filepath.Join(d.dir, filepath.FromSlash(rel)))
		s.Options = d.Options
		return s, nil
	}
	return fileNotFound, nil // a device, a socket, a FIFO
}

// Render answers 404 for every method: a Directory is not listed.
func (d *Directory) Render(r *request.Request) ([]byte, error) {
	return noListing.Render(r)
}
