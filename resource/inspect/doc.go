// Package inspect shows a Site at work, for people learning how the web
// works: its tree of resources, each request's traversal step by step, and
// its sessions counting down to their end.
//
// An [Inspector] is a resource: mount it in the tree, and attach it to the
// Site by setting the Site's Inspector field, which is what turns the
// recording on (a Site without an Inspector records nothing):
//
//	ins := inspect.New()
//	root.PutChild("_inspect", ins)
//	s := site.New(root)
//	s.Inspector = ins
//
// Then http://localhost:8080/_inspect/ shows three views, each also alone
// at its own path below the inspector:
//
//   - tree: the static children from the root down, each with its Go
//     type, whether it is a leaf, the methods it answers (its Allow list),
//     and what a ready-made resource is: a virtual host and its hosts, a
//     router and its routes, a guard (whose avatars are not shown), a
//     static directory (whose files are not listed), a mounted handler. A
//     resource of the program's own type is shown from outside: its type,
//     whether it has a GetChild (whose children are made on demand, so not
//     listed), and the static children of the resource.Base it embeds.
//     Cycles and very large trees are cut with a note.
//   - requests: the latest requests, newest first, each with the steps of
//     its traversal (the segment consumed, the prepath and postpath after
//     it, the resource reached and how: a static child, GetChild, a leaf
//     that stops traversal, or not found), then the render method that
//     answered, the status and the time taken. The steps are recorded by
//     the traversal itself (resource.Serve): the inspector never calls a
//     GetChild or a render method. A response that did not finish says
//     how it ended, with the status its client got ("nothing sent" if
//     none): its client went away, the Site closed, its resource
//     abandoned it, or took the connection over (a WebSocket: its time is
//     the handshake's).
//   - sessions: the live sessions of this process, the one nearest its end
//     first, with the time left counting down, their component types and the
//     expiry callbacks waiting; then the latest endings, with when, why
//     (timeout, lifetime, Expire, evicted) and how many callbacks ran. With a
//     shared session store, the sessions whose callbacks wait in this process.
//
// The pages are plain HTML that works without JavaScript (it then reloads
// every five seconds); a small script refreshes each view every second
// and counts the sessions' time down in between.
//
// For a terminal, set Log: each request is then also written as one block
// of lines to a log/slog logger.
//
// # Safety
//
// The inspector answers only loopback clients that ask for a Host of
// localhost, a name under .localhost, or an address, unless AllowClient
// says otherwise: a page of another site in the user's browser can point
// its own name at 127.0.0.1 and read the inspector as a page of its own
// (DNS rebinding), its requests coming from loopback but naming it. It
// answers nobody when the Site trusts proxy headers or the request
// carries X-Forwarded-For or Forwarded, unless AllowProxied is set: behind
// a proxy on the same host every client would look like loopback. (A proxy
// that sends neither header cannot be told from a local client: have it
// send X-Forwarded-For.) Others get the tree's 404 page. It escapes everything it shows, shows only the
// first eight characters of a session id, and never shows cookies, request
// headers, bodies or query strings.
//
// # Cost
//
// A Site with an Inspector records every request, which costs each request
// nine allocations and about a microsecond (see docs/performance.md). A
// Site without one pays a few comparisons per request.
package inspect
