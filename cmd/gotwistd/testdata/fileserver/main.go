// Command fileserver is the peer of gotwistd in docs/performance.md: a bare
// net/http program that serves a directory with http.FileServer.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	path := flag.String("path", ".", "directory to serve")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, http.FileServer(http.Dir(*path))))
}
