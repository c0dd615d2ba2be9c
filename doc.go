// Package web is Twisted Web's resource-tree model in Go: an application is a
// tree of resources, each URL segment picks a child, the resource at the end
// renders the response by HTTP method, and the Site that serves the tree owns
// the visitors' sessions.
//
// This package holds only this overview and the end-to-end tests; the code
// is in the packages below it.
//
// # Packages
//
//   - [github.com/gotwisted/web/resource]: the Resource interface, Base to
//     embed, traversal ([resource.ChildForRequest]), method dispatch
//     ([resource.Render]: RenderGET, RenderPOST, ...), the error pages and
//     NotDoneYet.
//   - [github.com/gotwisted/web/request]: Request, one HTTP exchange as a
//     resource sees it: prepath and postpath, arguments, headers, cookies,
//     Write and Finish, NotifyFinish, GetSession.
//   - [github.com/gotwisted/web/session]: Session, its components, and the
//     Manager whose min-heap scheduler expires sessions; Store, the
//     interface for sessions kept outside the process (Redis, in the module
//     github.com/gotwisted/web/session/redisstore).
//   - [github.com/gotwisted/web/site]: Site, the http.Handler that serves a
//     tree, owns the sessions, writes the access log and runs the server.
//   - resource/static, util, vhost, proxy, guard, handler, router, template,
//     gzip, cgi, xmlrpc and websocket: ready-made resources, named after the
//     Twisted modules they stand for.
//   - [github.com/gotwisted/web/resource/inspect]: the inspector, for
//     teaching: the tree, each request's traversal step by step, sessions
//     counting down to their end (Site.Inspector turns it on).
//
// The dependencies point one way: session ← request ← resource ←
// resource/* ← site ← your program.
//
// # A tree in a few lines
//
//	type Hello struct{ resource.Base }
//
//	func (*Hello) RenderGET(r *request.Request) ([]byte, error) {
//		return []byte("Hello, world!"), nil
//	}
//
//	func main() {
//		root := resource.New()
//		root.PutChild("", &Hello{})      // the page at "/"
//		root.PutChild("hello", &Hello{}) // the page at "/hello"
//		// Run prints where it listens and stops on ^C.
//		if err := site.New(root).Run(site.TCP(":8080")); err != nil {
//			log.Fatal(err)
//		}
//	}
//
// # Coming from Twisted
//
// Twisted finds render_GET and getChild by name; Go finds RenderGET and
// GetChild through small interfaces on the resource. Go serves requests
// concurrently, so resources and session components must be safe for
// concurrent use. The deliberate differences from Twisted (405 instead of
// 501, sessions that slide, HttpOnly cookies, escaped error pages, ...) are
// listed in the README, under "Coming from Twisted".
package web
