// Command asynchronous answers / after a delay: the render method returns
// resource.NotDoneYet, and a timer writes and finishes the response later.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// DelayedResource keeps its visitors waiting.
type DelayedResource struct {
	resource.Base
	delay time.Duration
}

// delayedRender writes the page and ends the response. It runs on the
// timer's goroutine, long after RenderGET returned.
func (d *DelayedResource) delayedRender(r *request.Request) {
	r.Write([]byte("<html><body>Sorry to keep you waiting.</body></html>"))
	r.Finish()
}

// RenderGET schedules the answer and returns at once.
func (d *DelayedResource) RenderGET(r *request.Request) ([]byte, error) {
	time.AfterFunc(d.delay, func() { d.delayedRender(r) })
	return nil, resource.NotDoneYet
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	delay := flag.Duration("delay", 5*time.Second, "how long each answer takes")
	flag.Parse()
	root := resource.New()
	root.PutChild("", &DelayedResource{delay: *delay})
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
