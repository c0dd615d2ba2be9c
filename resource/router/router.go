// Package router routes the rest of a request's path with
// [github.com/julienschmidt/httprouter], in the style of Klein's routes.
//
// A [Router] is a leaf resource: mounted anywhere in a tree, it matches "/"
// plus the segments traversal left in the postpath ("/" when none remain)
// against its routes, and calls the route's [Handle] with the request and
// the route's parameters. A Handle is a render method with parameters: it
// returns the body, resource.NotDoneYet, or an error.
//
//	rt := router.New()
//	rt.GET("/users/:name", func(r *request.Request, p router.Params) ([]byte, error) {
//		return []byte("hello, " + html.EscapeString(p.ByName("name"))), nil
//	})
//	root.PutChild("api", rt) // GET /api/users/bob
//
// Patterns follow httprouter: ":name" matches one segment, "*name" the rest
// of the path, and a path matches at most one pattern. The path matched is
// the decoded one, as httprouter's; a "%2F" inside a segment becomes a "/".
//
// Answers agree with the rest of the tree: a path no route matches gets the
// tree's 404 page; a path some route matches for other methods gets 405
// Method Not Allowed with an Allow header in the framework's order (HEAD
// answered by GET routes, OPTIONS answered automatically), and a method no
// route declares (nor RFC 9110, nor RFC 5789's PATCH) gets 501. A path that
// matches only with (without) a trailing slash is redirected there when
// RedirectTrailingSlash is set.
package router

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/util"
)

// Params are the values of a route's parameters, in pattern order; ByName
// returns one by name.
type Params = httprouter.Params

// Handle renders a request that matched a route, as a render method does:
// it returns the whole body, or resource.NotDoneYet when it writes the
// response itself, or an error for the failure page.
type Handle func(r *request.Request, p Params) ([]byte, error)

// Router is a leaf resource that routes the rest of the path to Handles.
// Register every route before serving: registration is not safe while the
// Router serves (serving is safe for concurrent use).
type Router struct {
	resource.Leaf

	// RedirectTrailingSlash redirects a request whose path matches no route
	// but would with a trailing slash added or removed: 301 for GET and
	// HEAD, 307 for other methods. The Location is the path, made safe by
	// util.LocalPath, so that "//evil.com/" never leads to another host.
	// New sets it.
	RedirectTrailingSlash bool

	hr      *httprouter.Router
	methods []string // the methods with routes, in registration order
	routes  []string // "METHOD pattern", in registration order, for the inspector
	node             // what the inspector sees
}

// node lets the inspector (resource/inspect) list the routes, through
// package introspect; it adds nothing to Router's API.
type node = introspect.Node

var _ resource.Renderer = (*Router)(nil)

// New returns a Router with no routes and RedirectTrailingSlash set.
func New() *Router {
	rt := &Router{hr: httprouter.New(), RedirectTrailingSlash: true}
	introspect.SetDescribe(&rt.node, rt.describe)
	return rt
}

// describe tells the inspector the routes.
func (rt *Router) describe(info *introspect.Info) {
	info.Kind = "router"
	info.Notes = slices.Clone(rt.routes)
	if len(rt.routes) == 0 {
		info.Notes = append(info.Notes, "no routes")
	}
}

// call carries one request to the route's closure through httprouter's
// Handle signature; it is its http.ResponseWriter only in type.
type call struct {
	http.ResponseWriter
	r    *request.Request
	body []byte
	err  error
}

// Handle registers h for requests with the given method whose path matches
// pattern. It panics, as httprouter does, if method is empty, pattern does
// not begin with "/", h is nil, or the pattern conflicts with another.
func (rt *Router) Handle(method, pattern string, h Handle) {
	if method == "" {
		panic("router: empty method for " + pattern)
	}
	if h == nil {
		panic("router: nil Handle for " + method + " " + pattern)
	}
	rt.hr.Handle(method, pattern, func(w http.ResponseWriter, _ *http.Request, p httprouter.Params) {
		c := w.(*call)
		c.body, c.err = h(c.r, p)
	})
	if !slices.Contains(rt.methods, method) {
		rt.methods = append(rt.methods, method)
	}
	rt.routes = append(rt.routes, method+" "+pattern)
}

// GET registers h for GET (and so HEAD) requests matching pattern.
func (rt *Router) GET(pattern string, h Handle) { rt.Handle(http.MethodGet, pattern, h) }

// POST registers h for POST requests matching pattern.
func (rt *Router) POST(pattern string, h Handle) { rt.Handle(http.MethodPost, pattern, h) }

// PUT registers h for PUT requests matching pattern.
func (rt *Router) PUT(pattern string, h Handle) { rt.Handle(http.MethodPut, pattern, h) }

// PATCH registers h for PATCH requests matching pattern.
func (rt *Router) PATCH(pattern string, h Handle) { rt.Handle(http.MethodPatch, pattern, h) }

// DELETE registers h for DELETE requests matching pattern.
func (rt *Router) DELETE(pattern string, h Handle) { rt.Handle(http.MethodDelete, pattern, h) }

// Render routes the request: see the package documentation.
func (rt *Router) Render(r *request.Request) ([]byte, error) {
	path := routePath(r)
	method := r.Method()
	h, p, tsr := rt.hr.Lookup(method, path)
	if h == nil && method == http.MethodHead {
		h, p, tsr = rt.hr.Lookup(http.MethodGet, path)
	}
	if h != nil {
		c := &call{r: r}
		h(c, nil, p)
		return c.body, c.err
	}
	if allowed := rt.allowed(path); len(allowed) > 0 {
		return rt.notAllowed(r, allowed)
	}
	if tsr && rt.RedirectTrailingSlash && path != "/" && method != http.MethodConnect {
		return redirectSlash(r)
	}
	return resource.NoResource("").Render(r)
}

// routePath returns "/" plus the request's postpath joined with "/". When
// the request path has no escapes that decoding changes, it is a suffix of
// the URL's path, and no memory is allocated.
func routePath(r *request.Request) string {
	u := r.HTTPRequest().URL
	pre, post := r.Prepath(), r.Postpath()
	if len(post) == 0 {
		return "/"
	}
	if u.RawPath == "" {
		off := len(pre)
		for _, s := range pre {
			off += len(s)
		}
		if p := u.Path; off < len(p) && p[off] == '/' && len(p)-off-1 == joinedLen(post) {
			return p[off:]
		}
	}
	return "/" + strings.Join(post, "/")
}

func joinedLen(segs []string) int {
	n := len(segs) - 1
	for _, s := range segs {
		n += len(s)
	}
	return n
}

// standard lists the methods a resource can render, in the order an Allow
// header lists them; the others come after, sorted.
var standard = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}

// known are RFC 9110's methods and PATCH: any other gets 501.
var known = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// allowed returns the Allow list for path, as resource.AllowedMethods
// would for a resource rendering the methods routed there, or nil when no
// route matches path.
func (rt *Router) allowed(path string) []string {
	var routed []string
	for _, m := range rt.methods {
		if h, _, _ := rt.hr.Lookup(m, path); h != nil {
			routed = append(routed, m)
		}
	}
	if len(routed) == 0 {
		return nil
	}
	var allow []string
	for _, m := range standard {
		switch {
		case slices.Contains(routed, m),
			m == http.MethodOptions,
			m == http.MethodHead && slices.Contains(routed, http.MethodGet):
			allow = append(allow, m)
		}
	}
	var extra []string
	for _, m := range routed {
		if !slices.Contains(allow, m) {
			extra = append(extra, m)
		}
	}
	slices.Sort(extra)
	return append(allow, extra...)
}

// notAllowed answers a method no route for the path renders: OPTIONS with
// 200 and the Allow header, another known method, or one some other path
// routes, with 405, any other method with 501, as resource.Render answers
// for a resource.
func (rt *Router) notAllowed(r *request.Request, allowed []string) ([]byte, error) {
	m := r.Method()
	if !slices.Contains(known[:], m) && !slices.Contains(rt.methods, m) {
		return resource.Render(unknownMethod{}, r) // the tree's 501 page
	}
	list := strings.Join(allowed, ", ")
	r.SetHeader("Allow", list)
	if m == http.MethodOptions {
		return []byte{}, nil
	}
	plural := ""
	if len(allowed) > 1 {
		plural = "s"
	}
	page := resource.ErrorPage(http.StatusMethodNotAllowed, "Method Not Allowed",
		fmt.Sprintf(`Your browser approached me (at %s) with the method "%s".  I only allow the method%s %s here.`,
			r.URI(), m, plural, list))
	return page.Render(r)
}

// unknownMethod renders nothing, so resource.Render answers 501 for the
// methods it does not know.
type unknownMethod struct{ resource.Leaf }

// redirectSlash redirects to the request's path with its trailing slash
// added or removed, keeping the query. A path such as "//evil.com/" would
// lose its slash to become another host's URL; util.LocalPath keeps it
// on this one.
func redirectSlash(r *request.Request) ([]byte, error) {
	p := r.Path()
	if strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	} else {
		p += "/"
	}
	p = util.LocalPath(p)
	if q := r.HTTPRequest().URL.RawQuery; q != "" {
		p += "?" + q
	}
	code := http.StatusMovedPermanently
	if m := r.Method(); m != http.MethodGet && m != http.MethodHead {
		code = http.StatusTemporaryRedirect
	}
	r.SetResponseCode(code)
	r.SetHeader("Location", p)
	return []byte{}, nil
}
