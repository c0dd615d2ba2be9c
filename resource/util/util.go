// Package util holds the small redirecting resources of Twisted's
// twisted.web.util: [Redirect], which sends every request to one URL,
// [ParentRedirect], which sends a request to the "directory" it is in, and
// [RedirectTo], the function both use to answer with a 302 and a
// meta-refresh page; and [LocalPath], which keeps a redirect built from a
// request's path on this server.
//
// A redirect to a fixed place, mounted as a child of the root:
//
//	root := resource.New()
//	root.PutChild("old", util.Redirect("/new/"))
//	root.PutChild("up", util.ParentRedirect())
package util

import (
	"strings"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// escaper escapes text for HTML as Python's html.escape does, quotes
// included, so that a URL cannot break out of an attribute.
var escaper = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&quot;",
	"'", "&#x27;",
)

// RedirectTo makes the response a redirect to url and returns the body to
// send with it (Twisted's redirectTo): it sets the status to 302 Found, the
// Location header to url and Content-Type to "text/html; charset=utf-8", and
// returns a small HTML page whose meta refresh and link both lead to url,
// HTML-escaped, for clients that do not follow Location. A render method
// typically ends with
//
//	return util.RedirectTo(url, r), nil
//
// url is sent as it is: make it absolute, or relative to the request's URL.
func RedirectTo(url string, r *request.Request) []byte {
	r.Redirect(url)
	r.SetHeader("Content-Type", "text/html; charset=utf-8")
	u := escaper.Replace(url)
	var b strings.Builder
	b.Grow(len(refreshHead) + len(refreshMiddle) + len(refreshTail) + 2*len(u))
	b.WriteString(refreshHead)
	b.WriteString(u)
	b.WriteString(refreshMiddle)
	b.WriteString(u)
	b.WriteString(refreshTail)
	return []byte(b.String())
}

// LocalPath returns p, a path that begins with "/" (a query may follow),
// in a form that still names a path of this server when sent as a
// Location or a link. A path that begins with "//" or "/\" would be read
// by a browser as the URL of another host ("//evil.com/" is a
// scheme-relative URL), so it gets "/." in front: browsers remove that dot
// segment again when they resolve the reference, so "/.//evil.com/" leads
// to the path "//evil.com/" of this host. Tabs and line breaks, which
// browsers drop from URLs, are looked through. Any other p is returned as
// it is.
//
// A redirect built from the request's path, such as one that adds or
// removes a trailing slash, should pass through LocalPath, as the router's
// and static directories' do. (ParentRedirect's is an absolute URL.)
func LocalPath(p string) string {
	if p == "" || p[0] != '/' {
		return p
	}
	i := 1
	for i < len(p) && (p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	if i < len(p) && (p[i] == '/' || p[i] == '\\') {
		return "/." + p
	}
	return p
}

// The meta-refresh page of RedirectTo, byte for byte as Twisted sends it,
// around the two places the escaped URL goes.
const (
	refreshHead   = "\n<html>\n    <head>\n        <meta http-equiv=\"refresh\" content=\"0;URL="
	refreshMiddle = "\">\n    </head>\n    <body bgcolor=\"#FFFFFF\" text=\"#000000\">\n    <a href=\""
	refreshTail   = "\">click here</a>\n    </body>\n</html>\n"
)

// redirect is the resource Redirect returns.
type redirect struct {
	resource.Leaf
	url string
}

// Redirect returns a leaf resource that answers every request at its path,
// or below it, with a redirect to url (Twisted's Redirect): the rest of the
// path and the query are ignored. It answers every method, as a page that
// moved does, with the response of [RedirectTo].
func Redirect(url string) resource.Resource {
	return &redirect{url: url}
}

// Render redirects to the resource's URL, whatever the method.
func (d *redirect) Render(r *request.Request) ([]byte, error) {
	return RedirectTo(d.url, r), nil
}

// parentRedirect is the resource ParentRedirect returns.
type parentRedirect struct {
	resource.Leaf
}

// ParentRedirect returns a leaf resource that redirects every request to the
// absolute URL of the "directory" it is in, as Twisted's ParentRedirect:
// its own URL (PrePathURL, which ends at the segment that reached it) with
// everything after the last "/" dropped, and no query. Mounted at "/up",
// it sends "/up", "/up/" and "/up/x/y?q=1" to http://host/; mounted at
// "/dir/x", it sends "/dir/x" and "/dir/x/y" to http://host/dir/. As the
// Site's root it sends every request to http://host/; as the "" child of
// "/dir" it sends "/dir/" to itself.
func ParentRedirect() resource.Resource { return parentRedirect{} }

// Render redirects to the request's directory, whatever the method.
func (parentRedirect) Render(r *request.Request) ([]byte, error) {
	return RedirectTo(parentURL(r), r), nil
}

// parentURL returns the absolute URL of the directory the resource's own
// URL is in (Twisted's URLPath.fromRequest(request).here()).
func parentURL(r *request.Request) string {
	return r.URLPath().Here().String()
}
