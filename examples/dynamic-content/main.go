// Command dynamic-content serves a page that shows the time of each request,
// at every path: ClockPage is a leaf, so no path below it is looked up.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// ClockPage renders the current time. As a leaf it answers every path.
type ClockPage struct{ resource.Leaf }

// RenderGET answers GET (and HEAD) with a fresh page each time.
func (*ClockPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body>" +
		time.Now().Format(time.ANSIC)), nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	if err := site.New(&ClockPage{}).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
