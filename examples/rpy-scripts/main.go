// Command rpy-scripts serves a directory (-path) at / with a resource
// mounted beside its files at /example.rpy. Twisted loads such resources
// from .rpy scripts at run time; in Go they are compiled in and put in the
// tree with PutChild.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

// ClockPage renders the current time (the resource of dynamic-content).
type ClockPage struct{ resource.Leaf }

// RenderGET answers GET (and HEAD) with a fresh page each time.
func (*ClockPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body>" +
		time.Now().Format(time.ANSIC)), nil
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	path := flag.String("path", ".", "directory to serve")
	flag.Parse()
	files, err := static.NewFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	// The registration twistd makes for each .rpy file it finds: a child
	// put before the directory's files.
	files.PutChild("example.rpy", &ClockPage{})
	if err := site.New(files).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
