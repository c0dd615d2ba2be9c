// Command asynchronous-deferred answers / after a delay, like asynchronous,
// but waits the Go way Twisted waits on a Deferred: a channel delivers the
// request when the time has come, and a goroutine renders what it receives.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// deferLater returns a channel that delivers v once d has passed (Twisted's
// deferLater; the channel plays the Deferred).
func deferLater[T any](d time.Duration, v T) <-chan T {
	c := make(chan T, 1)
	time.AfterFunc(d, func() { c <- v })
	return c
}

// DelayedResource keeps its visitors waiting.
type DelayedResource struct {
	resource.Base
	delay time.Duration
}

// delayedRender writes the page and ends the response.
func (d *DelayedResource) delayedRender(r *request.Request) {
	r.Write([]byte("<html><body>Sorry to keep you waiting.</body></html>"))
	r.Finish()
}

// RenderGET hands the rendering to a goroutine that waits for the request
// to come back from deferLater (the callback), and returns at once.
func (d *DelayedResource) RenderGET(r *request.Request) ([]byte, error) {
	later := deferLater(d.delay, r)
	go func() { d.delayedRender(<-later) }()
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
