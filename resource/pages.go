package resource

import (
	"html"
	"net/http"
	"strconv"

	"github.com/gotwisted/web/request"
)

// Page is an error page: it answers every method, at its own path and at
// every path below it, with one status and a small HTML body. Make one with
// ErrorPage, NoResource or Forbidden. A Page is immutable and safe to share.
type Page struct {
	code int
	body []byte
}

// ErrorPage returns a page with status code whose title reads
// "<code> - <brief>" and whose body shows brief as a heading and detail
// as a paragraph (Twisted's ErrorPage). brief and detail are HTML-escaped.
func ErrorPage(code int, brief, detail string) *Page {
	return newPage(code, html.EscapeString(brief), html.EscapeString(detail))
}

// newPage builds a page from brief and detail that are already HTML.
func newPage(code int, briefHTML, detailHTML string) *Page {
	c := strconv.Itoa(code)
	body := "\n<html>\n  <head><title>" + c + " - " + briefHTML + "</title></head>\n  <body>\n    <h1>" +
		briefHTML + "</h1>\n    <p>" + detailHTML + "</p>\n  </body>\n</html>\n"
	return &Page{code: code, body: []byte(body)}
}

// NoResource returns the 404 "No Such Resource" page with message, or with
// "Sorry. No luck finding that resource." when message is "".
func NoResource(message string) *Page {
	if message == "" {
		message = "Sorry. No luck finding that resource."
	}
	return ErrorPage(http.StatusNotFound, "No Such Resource", message)
}

// Forbidden returns the 403 "Forbidden Resource" page with message, or with
// "Sorry, resource is forbidden." when message is "".
func Forbidden(message string) *Page {
	if message == "" {
		message = "Sorry, resource is forbidden."
	}
	return ErrorPage(http.StatusForbidden, "Forbidden Resource", message)
}

// notFound is what traversal answers for a missing child.
var notFound = NoResource("")

// Code returns the page's status code.
func (p *Page) Code() int { return p.code }

// IsLeaf returns false; every child of a page is the page itself.
func (p *Page) IsLeaf() bool { return false }

// ChildWithDefault returns p: the page answers for every path below it.
func (p *Page) ChildWithDefault(string, *request.Request) Resource { return p }

// PutChild panics: a page has no children.
func (p *Page) PutChild(name string, _ Resource) {
	panic("resource: PutChild(" + name + ") on an error page")
}

// Render sets the page's status and Content-Type and returns its body, for
// every method.
func (p *Page) Render(r *request.Request) ([]byte, error) {
	r.SetResponseCode(p.code)
	r.SetHeader("Content-Type", "text/html; charset=utf-8")
	return p.body, nil
}
