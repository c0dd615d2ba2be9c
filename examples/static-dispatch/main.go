// Command static-dispatch puts three directories of -path, foo, bar and
// baz, in a tree at /foo, /bar and /baz. The root has no page of its own.
package main

import (
	"flag"
	"log"
	"path/filepath"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	path := flag.String("path", ".", "directory that holds foo, bar and baz")
	flag.Parse()
	root := resource.New()
	for _, name := range []string{"foo", "bar", "baz"} {
		dir, err := static.NewFile(filepath.Join(*path, name))
		if err != nil {
			log.Fatal(err)
		}
		root.PutChild(name, dir)
	}
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
