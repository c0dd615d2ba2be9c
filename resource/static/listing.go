package static

import (
	"html"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// lister renders the listing of a directory (Twisted's DirectoryLister):
// what a File for a directory without an index file serves for its
// trailing slash. It has no children: any path below it is a 404.
type lister struct {
	f *File // the directory's
}

func (l *lister) IsLeaf() bool { return false }

func (l *lister) ChildWithDefault(string, *request.Request) resource.Resource { return l.f.notFound() }

func (l *lister) PutChild(name string, _ resource.Resource) {
	panic("static: PutChild(" + name + ") on a directory listing")
}

// entry is one row of a listing.
type entry struct {
	name     string
	dir      bool
	size     int64
	ctype    string
	encoding string
}

// RenderGET lists the directory as an HTML table: directories first, then
// files, each group sorted by name, with each file's size, type and
// encoding. Entries that could not be served are left out: those that do
// not resolve inside the root (broken links, and links that leave it
// unless the File follows them) and names that no URL segment can reach.
func (l *lister) RenderGET(r *request.Request) ([]byte, error) {
	f := l.f
	des, err := f.ReadDir()
	if err != nil {
		return f.renderError(err, r)
	}
	rows := make([]entry, 0, len(des))
	for _, de := range des {
		p, ok := childPath(f.name, de.Name())
		if !ok {
			continue
		}
		var fi fs.FileInfo
		if de.Type()&fs.ModeSymlink != 0 {
			fi, err = f.stat(p) // follows it, inside the root only unless FollowSymlinks
		} else {
			// What ReadDir read already (for a directory opened in the
			// root, it reads every entry's through the directory's own
			// descriptor): no further look at the file system.
			fi, err = de.Info()
		}
		if err != nil {
			continue
		}
		e := entry{name: de.Name(), dir: fi.IsDir()}
		if !e.dir {
			e.size = fi.Size()
			e.ctype, e.encoding = f.typeAndEncoding(e.name)
		}
		rows = append(rows, e)
	}
	// Directories first; each group stays in ReadDir's order, by name.
	slices.SortStableFunc(rows, func(a, b entry) int {
		switch {
		case a.dir == b.dir:
			return 0
		case a.dir:
			return -1
		}
		return 1
	})
	r.SetHeader("Content-Type", "text/html; charset=utf-8")
	return listingPage(listingHeader(r.URI()), rows), nil
}

// listingHeader returns the title of a listing, as HTML: "Directory listing
// for " and the request's URI, percent-decoded and escaped.
func listingHeader(uri string) string {
	return "Directory listing for " + html.EscapeString(strings.ToValidUTF8(request.Unquote(uri), "\uFFFD"))
}

const listingStyle = `body { font-family: sans-serif; margin: 0; background-color: #f4f4f4; }
h1 { margin: 0; padding: 0.3em 0.5em; background-color: #666; color: #fff; font-size: 1.3em; }
table { margin: 1em auto; border-collapse: collapse; min-width: 50%; }
th, td { padding: 0.2em 0.8em; text-align: left; }
tr.odd { background-color: #e4e4e4; }
tr.even { background-color: #fafafa; }
`

// listingPage builds the HTML of a listing with title header (already
// HTML) and rows in order; rows alternate the classes "odd" and "even".
// It appends to one buffer sized for the page, which it returns.
func listingPage(header string, rows []entry) []byte {
	size := 2*len(header) + len(listingStyle) + 400
	for _, e := range rows {
		size += 2*len(e.name) + len(e.ctype) + len(e.encoding) + 100
	}
	b := make([]byte, 0, size)
	b = append(b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>"...)
	b = append(b, header...)
	b = append(b, "</title>\n<style>\n"...)
	b = append(b, listingStyle...)
	b = append(b, "</style>\n</head>\n<body>\n<h1>"...)
	b = append(b, header...)
	b = append(b, "</h1>\n<table>\n<thead>\n<tr><th>Filename</th><th>Size</th><th>Content type</th><th>Content encoding</th></tr>\n</thead>\n<tbody>\n"...)
	for i, e := range rows {
		class := "odd"
		if i%2 == 1 {
			class = "even"
		}
		b = append(b, `<tr class="`...)
		b = append(b, class...)
		b = append(b, `"><td><a href="`...)
		b = append(b, request.QuoteSegment(e.name)...)
		if e.dir {
			b = append(b, '/')
		}
		b = append(b, `">`...)
		b = appendEscaped(b, e.name)
		if e.dir {
			b = append(b, "/</a></td><td></td><td>[Directory]</td><td></td></tr>\n"...)
			continue
		}
		b = append(b, "</a></td><td>"...)
		b = appendFileSize(b, e.size)
		b = append(b, "</td><td>["...)
		b = appendEscaped(b, e.ctype)
		b = append(b, "]</td><td>"...)
		if e.encoding != "" {
			b = append(b, '[')
			b = appendEscaped(b, e.encoding)
			b = append(b, ']')
		}
		b = append(b, "</td></tr>\n"...)
	}
	return append(b, "</tbody>\n</table>\n</body>\n</html>\n"...)
}

// appendEscaped appends s escaped as html.EscapeString escapes it.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, `<>&'"`) {
		return append(b, s...)
	}
	return append(b, html.EscapeString(s)...)
}

// FormatFileSize writes a size in bytes as a directory listing shows it
// (Twisted's formatFileSize): bytes below 1 KiB ("8B"), else whole KiB,
// MiB or GiB rounded down ("7K", "1149G").
func FormatFileSize(size int64) string {
	return string(appendFileSize(nil, size))
}

// appendFileSize appends size as FormatFileSize writes it.
func appendFileSize(b []byte, size int64) []byte {
	const k = 1024
	switch {
	case size < k:
		return append(strconv.AppendInt(b, size, 10), 'B')
	case size < k*k:
		return append(strconv.AppendInt(b, size/k, 10), 'K')
	case size < k*k*k:
		return append(strconv.AppendInt(b, size/(k*k), 10), 'M')
	}
	return append(strconv.AppendInt(b, size/(k*k*k), 10), 'G')
}
