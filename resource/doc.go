// Package resource holds the resource tree: the Resource interface, Base
// and Leaf to embed, traversal, dispatch by HTTP method, error pages and
// NotDoneYet, as Twisted's twisted.web.resource.
//
// An application is a tree of resources. Each URL segment picks a child:
// the static child put with PutChild, else the one GetChild returns (a
// [ChildGetter]), else the 404 page. Traversal stops at a leaf or when the
// path is used up, and the resource reached renders the response by the
// request's method: RenderGET, RenderPOST and the other method interfaces,
// or a whole Render. A render method returns the body, or NotDoneYet and
// finishes the response later with the Request's Write and Finish.
//
//	type Hello struct{ resource.Leaf }
//
//	func (*Hello) RenderGET(r *request.Request) ([]byte, error) {
//		return []byte("<p>Hello!</p>"), nil
//	}
//
//	root := resource.New()
//	root.PutChild("", &Hello{})      // "/"
//	root.PutChild("hello", &Hello{}) // "/hello"
//
// A site.Site serves a tree; [Serve] is how it answers one request, for
// other servers and for tests. The ready-made resources live in the
// packages below this one, most named after the Twisted modules they port:
// static, util, vhost, proxy, guard, handler, router, template, gzip, cgi,
// xmlrpc, websocket, and inspect, which shows the tree at work.
package resource
