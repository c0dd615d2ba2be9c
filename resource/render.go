package resource

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"

	"github.com/gotwisted/web/request"
)

// NotDoneYet is returned by a render method, with a nil body, to say that
// the response will be written later (Twisted's NOT_DONE_YET): the resource
// keeps the request, writes with Write and ends with Finish, from any
// goroutine. It keeps Twisted's name, which every tutorial uses.
//
//lint:ignore ST1012 NOT_DONE_YET is the name Twisted users know: see "Coming from Twisted" in the README.
var NotDoneYet = errors.New("resource: not done yet")

// The render interfaces. A resource implements the ones for the methods it
// answers; each returns the whole body, or NotDoneYet, or an error (which
// gives the failure page).
type (
	// GETRenderer answers GET, and HEAD when there is no HEADRenderer.
	GETRenderer interface {
		RenderGET(r *request.Request) ([]byte, error)
	}
	// HEADRenderer answers HEAD.
	HEADRenderer interface {
		RenderHEAD(r *request.Request) ([]byte, error)
	}
	// POSTRenderer answers POST.
	POSTRenderer interface {
		RenderPOST(r *request.Request) ([]byte, error)
	}
	// PUTRenderer answers PUT.
	PUTRenderer interface {
		RenderPUT(r *request.Request) ([]byte, error)
	}
	// DELETERenderer answers DELETE.
	DELETERenderer interface {
		RenderDELETE(r *request.Request) ([]byte, error)
	}
	// PATCHRenderer answers PATCH.
	PATCHRenderer interface {
		RenderPATCH(r *request.Request) ([]byte, error)
	}
	// OPTIONSRenderer answers OPTIONS; without it OPTIONS is answered
	// with 200, an Allow header and no body.
	OPTIONSRenderer interface {
		RenderOPTIONS(r *request.Request) ([]byte, error)
	}
	// Renderer renders every method itself; Render calls it and nothing
	// else (the error pages and mounted handlers are Renderers).
	Renderer interface {
		Render(r *request.Request) ([]byte, error)
	}
	// ExtraRenderer answers methods beyond the standard ones (Twisted's
	// render_HEH): ExtraMethods lists them, RenderExtra renders one.
	ExtraRenderer interface {
		ExtraMethods() []string
		RenderExtra(method string, r *request.Request) ([]byte, error)
	}
)

// knownMethods are RFC 9110's methods and PATCH (RFC 5789), in the order an
// Allow header lists them.
var knownMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// Render renders res for the request's method (Twisted's Resource.render):
// a Renderer renders everything; otherwise the matching RenderGET,
// RenderPOST..., HEAD from RenderGET when there is no RenderHEAD, OPTIONS
// from the Allow list when there is no RenderOPTIONS, then ExtraMethods. A
// method RFC 9110 defines that res does not answer gets 405 Method Not
// Allowed with an Allow header; a method nobody declares gets 501.
func Render(res Resource, r *request.Request) ([]byte, error) {
	if rr, ok := res.(Renderer); ok {
		return rr.Render(r)
	}
	switch m := r.Method(); m {
	case http.MethodGet:
		if g, ok := res.(GETRenderer); ok {
			return g.RenderGET(r)
		}
	case http.MethodHead:
		if h, ok := res.(HEADRenderer); ok {
			return h.RenderHEAD(r)
		}
		if g, ok := res.(GETRenderer); ok {
			return g.RenderGET(r) // the body is dropped when sent
		}
	case http.MethodPost:
		if p, ok := res.(POSTRenderer); ok {
			return p.RenderPOST(r)
		}
	case http.MethodPut:
		if p, ok := res.(PUTRenderer); ok {
			return p.RenderPUT(r)
		}
	case http.MethodDelete:
		if d, ok := res.(DELETERenderer); ok {
			return d.RenderDELETE(r)
		}
	case http.MethodPatch:
		if p, ok := res.(PATCHRenderer); ok {
			return p.RenderPATCH(r)
		}
	case http.MethodOptions:
		if o, ok := res.(OPTIONSRenderer); ok {
			return o.RenderOPTIONS(r)
		}
		if x, ok := res.(ExtraRenderer); !ok || !slices.Contains(x.ExtraMethods(), m) {
			r.SetHeader("Allow", strings.Join(AllowedMethods(res), ", "))
			return []byte{}, nil
		}
	}
	if x, ok := res.(ExtraRenderer); ok && slices.Contains(x.ExtraMethods(), r.Method()) {
		return x.RenderExtra(r.Method(), r)
	}
	return unsupported(res, r)
}

// AllowedMethods returns the methods res answers, in the order of an Allow
// header: the standard methods it renders in RFC 9110's order (HEAD when it
// has GET; OPTIONS always), then its extra methods, sorted.
func AllowedMethods(res Resource) []string {
	var allowed []string
	for _, m := range knownMethods {
		if answers(res, m) {
			allowed = append(allowed, m)
		}
	}
	if x, ok := res.(ExtraRenderer); ok {
		extra := slices.Clone(x.ExtraMethods())
		slices.Sort(extra)
		for _, m := range extra {
			if !slices.Contains(allowed, m) {
				allowed = append(allowed, m)
			}
		}
	}
	return allowed
}

// answering names what Render calls to render res for the method m, for
// the inspector: the render method, or the answer Render makes itself. It
// follows Render's choices; TestAnsweringFollowsRender checks that it does.
func answering(res Resource, m string) string {
	if _, ok := res.(Renderer); ok {
		return "Render"
	}
	switch m {
	case http.MethodHead:
		if _, ok := res.(HEADRenderer); ok {
			return "RenderHEAD"
		}
		if _, ok := res.(GETRenderer); ok {
			return "RenderGET (for HEAD)"
		}
	case http.MethodOptions:
		if _, ok := res.(OPTIONSRenderer); ok {
			return "RenderOPTIONS"
		}
		if x, ok := res.(ExtraRenderer); !ok || !slices.Contains(x.ExtraMethods(), m) {
			return "OPTIONS: the Allow list"
		}
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		if answers(res, m) {
			return "Render" + m
		}
	}
	if x, ok := res.(ExtraRenderer); ok && slices.Contains(x.ExtraMethods(), m) {
		return "RenderExtra(" + m + ")"
	}
	if slices.Contains(knownMethods[:], m) {
		return "405 Method Not Allowed"
	}
	return "501 Not Implemented"
}

func answers(res Resource, m string) bool {
	switch m {
	case http.MethodGet:
		_, ok := res.(GETRenderer)
		return ok
	case http.MethodHead:
		_, ok := res.(HEADRenderer)
		_, get := res.(GETRenderer)
		return ok || get
	case http.MethodPost:
		_, ok := res.(POSTRenderer)
		return ok
	case http.MethodPut:
		_, ok := res.(PUTRenderer)
		return ok
	case http.MethodDelete:
		_, ok := res.(DELETERenderer)
		return ok
	case http.MethodPatch:
		_, ok := res.(PATCHRenderer)
		return ok
	case http.MethodOptions:
		return true
	}
	return false
}

// unsupported answers a method res does not render: 405 with Allow for a
// method RFC 9110 (or RFC 5789) defines, 501 for any other.
func unsupported(res Resource, r *request.Request) ([]byte, error) {
	m := r.Method()
	if !slices.Contains(knownMethods[:], m) {
		page := newPage(http.StatusNotImplemented, "Huh?",
			"I don't know how to treat a "+html.EscapeString(m)+" request.")
		return page.Render(r)
	}
	allowed := AllowedMethods(res)
	list := strings.Join(allowed, ", ")
	r.SetHeader("Allow", list)
	plural := ""
	if len(allowed) > 1 {
		plural = "s"
	}
	page := newPage(http.StatusMethodNotAllowed, "Method Not Allowed",
		fmt.Sprintf(`Your browser approached me (at %s) with the method "%s".  I only allow the method%s %s here.`,
			html.EscapeString(r.URI()), html.EscapeString(m), plural, html.EscapeString(list)))
	return page.Render(r)
}
