// Package site serves a tree of resources: a [Site] is the http.Handler
// at the top of the tree, and owns what outlives one request, the
// visitors' sessions with their expiry scheduler, the access log and the
// failure pages' settings, as Twisted's twisted.web.server.Site.
//
// A Site is served like any handler: by its own ListenAndServe and Serve
// (which behave as http.Server's), by an http.Server of yours (see
// Server), or mounted under a router. Command-line programs use Run,
// which prints where it listens and stops gracefully on SIGINT or SIGTERM:
//
//	root := resource.New()
//	root.PutChild("", page)
//	s := site.New(root)
//	s.SessionFactory = session.WithTimeout(5 * time.Minute)
//	if err := s.Run(site.TCP(":8080")); err != nil {
//		log.Fatal(err)
//	}
//
// Shutdown stops a Site gracefully, letting responses in flight finish;
// Close stops it at once. Both stop every goroutine the Site started.
package site
