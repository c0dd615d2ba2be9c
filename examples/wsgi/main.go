// Command wsgi serves a plain net/http handler at every path: in Go, an
// http.Handler is what a WSGI application is in Python, and handler.New
// mounts one in a resource tree.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/site"
)

// application knows nothing of resources: it is an ordinary handler, which
// could as well be served by http.ListenAndServe or mounted in a router.
func application(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("Hello, world!"))
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	root := handler.New(http.HandlerFunc(application))
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
