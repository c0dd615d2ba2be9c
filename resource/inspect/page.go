package inspect

import (
	_ "embed"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
)

// The inspector's script and style sheet, served at inspect.js and
// inspect.css below it: the pages carry no inline script or style, so
// that its Content-Security-Policy can forbid them.
var (
	//go:embed inspect.js
	script []byte
	//go:embed inspect.css
	style []byte
)

// The views, in the order the overview shows them: on a wide screen the
// last one has a column of its own.
var allViews = []string{"tree", "sessions", "requests"}

func isView(name string) bool { return slices.Contains(allViews, name) }

var viewTitles = map[string]string{
	"tree":     "The tree",
	"requests": "Requests",
	"sessions": "Sessions",
}

// view renders the inspector's pages for one request.
type view struct {
	ins      *Inspector
	site     *introspect.Site // nil before the Site's first request
	sessions *sessionWatch
	base     string // the inspector's path, without a trailing slash
}

// page returns a whole page showing the named views; title is the view's
// name, or "" for the overview.
func (v view) page(r *request.Request, title string, views ...string) []byte {
	var w writer
	w.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	w.raw("<title>")
	if title != "" {
		w.text(viewTitles[title] + " · ")
	}
	w.raw("Inspector</title>\n")
	// Without JavaScript the page reloads itself to stay current.
	w.raw("<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>\n")
	w.raw("<link rel=\"stylesheet\" href=\"")
	w.text(v.base + "/inspect.css")
	w.raw("\">\n<script defer src=\"")
	w.text(v.base + "/inspect.js")
	w.raw("\"></script>\n</head>\n<body>\n<header><h1><a href=\"")
	w.text(v.base + "/")
	w.raw("\">Inspector</a></h1>\n<nav>")
	for _, name := range allViews {
		w.raw(" <a href=\"")
		w.text(v.base + "/" + name)
		w.raw("\">")
		w.text(viewTitles[name])
		w.raw("</a>")
	}
	w.raw("</nav></header>\n")
	if v.site == nil {
		w.raw("<p class=\"warn\">Not attached to a Site: set the Site's Inspector field to this inspector.</p>\n")
	}
	w.raw("<main>\n")
	if len(views) > 1 {
		// Two columns on a wide screen: the tree and the sessions, then
		// the requests.
		w.raw("<div class=\"overview\"><div class=\"col\">\n")
	}
	for i, name := range views {
		if len(views) > 1 && i == len(views)-1 {
			w.raw("</div><div class=\"col\">\n")
		}
		w.raw("<section id=\"")
		w.text(name)
		w.raw("\" data-part=\"")
		w.text(v.base + "/part/" + name)
		w.raw("\">\n")
		w.b.Write(v.section(name))
		w.raw("</section>\n")
	}
	if len(views) > 1 {
		w.raw("</div></div>\n")
	}
	w.raw("</main>\n</body></html>\n")
	return w.bytes()
}

// section returns the contents of one view's section.
func (v view) section(name string) []byte {
	var w writer
	w.raw("<h2>")
	w.text(viewTitles[name])
	w.raw("</h2>\n")
	switch name {
	case "tree":
		v.tree(&w)
	case "requests":
		v.requests(&w)
	case "sessions":
		v.sessionsView(&w)
	}
	return w.bytes()
}

// writer builds HTML. text escapes what it writes: everything that comes
// from the tree, the requests or the sessions goes through it.
type writer struct{ b strings.Builder }

func (w *writer) raw(s string)  { w.b.WriteString(s) }
func (w *writer) text(s string) { w.b.WriteString(html.EscapeString(s)) }
func (w *writer) bytes() []byte { return []byte(w.b.String()) }

// tag writes <name class="class">text</name>, text escaped.
func (w *writer) tag(name, class, text string) {
	w.raw("<" + name)
	if class != "" {
		w.raw(" class=\"" + class + "\"")
	}
	w.raw(">")
	w.text(text)
	w.raw("</" + name + ">")
}

// shorten cuts s as a Trace cuts what it keeps, with an ellipsis.
func shorten(s string) string { return introspect.Shorten(s) }

// segment shows a path segment quoted, so that "" and spaces are seen, with
// control characters escaped, and cut when long.
func segment(s string) string { return strconv.Quote(shorten(s)) }

// segments shows a prepath or postpath as a list of quoted segments.
func segments(list []string) string {
	const most = 12
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == most && len(list) > most+1 {
			b.WriteString("… " + itoa(len(list)-most) + " more")
			break
		}
		b.WriteString(segment(s))
	}
	b.WriteByte(']')
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
