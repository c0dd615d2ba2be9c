// Command static-content serves the files of a directory (-path) at /:
// files by their content, directories as listings.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	path := flag.String("path", os.TempDir(), "directory to serve")
	flag.Parse()
	files, err := static.NewFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	if err := site.New(files).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
