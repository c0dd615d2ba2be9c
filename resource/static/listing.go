package static

import (
	"html"
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
	var dirs, files []entry
	for _, de := range des {
		p, ok := childPath(f.name, de.Name())
		if !ok {
			continue
		}
		fi, err := f.stat(p) // follows links, inside the root only unless FollowSymlinks
		if err != nil {
			continue
		}
		e := entry{name: de.Name()}
		if fi.IsDir() {
			e.dir = true
			dirs = append(dirs, e)
			continue
		}
		e.size = fi.Size()
		e.ctype, e.encoding = f.typeAndEncoding(e.name)
		files = append(files, e)
	}
	r.SetHeader("Content-Type", "text/html; charset=utf-8")
	return listingPage(listingHeader(r.URI()), append(dirs, files...)), nil
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
func listingPage(header string, rows []entry) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>")
	b.WriteString(header)
	b.WriteString("</title>\n<style>\n")
	b.WriteString(listingStyle)
	b.WriteString("</style>\n</head>\n<body>\n<h1>")
	b.WriteString(header)
	b.WriteString("</h1>\n<table>\n<thead>\n<tr><th>Filename</th><th>Size</th><th>Content type</th><th>Content encoding</th></tr>\n</thead>\n<tbody>\n")
	for i, e := range rows {
		class := "odd"
		if i%2 == 1 {
			class = "even"
		}
		href, text := request.QuoteSegment(e.name), html.EscapeString(e.name)
		size, ctype, enc := "", "[Directory]", ""
		if e.dir {
			href += "/"
			text += "/"
		} else {
			size = FormatFileSize(e.size)
			ctype = "[" + html.EscapeString(e.ctype) + "]"
			if e.encoding != "" {
				enc = "[" + html.EscapeString(e.encoding) + "]"
			}
		}
		b.WriteString(`<tr class="` + class + `"><td><a href="` + href + `">` + text + "</a></td><td>" +
			size + "</td><td>" + ctype + "</td><td>" + enc + "</td></tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</body>\n</html>\n")
	return []byte(b.String())
}

// FormatFileSize writes a size in bytes as a directory listing shows it
// (Twisted's formatFileSize): bytes below 1 KiB ("8B"), else whole KiB,
// MiB or GiB rounded down ("7K", "1149G").
func FormatFileSize(size int64) string {
	const k = 1024
	switch {
	case size < k:
		return strconv.FormatInt(size, 10) + "B"
	case size < k*k:
		return strconv.FormatInt(size/k, 10) + "K"
	case size < k*k*k:
		return strconv.FormatInt(size/(k*k), 10) + "M"
	}
	return strconv.FormatInt(size/(k*k*k), 10) + "G"
}
