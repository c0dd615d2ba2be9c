// Command logging-errors is interrupted with a log entry for each answer
// cancelled because its visitor went away.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// DelayedResource keeps its visitors waiting, unless they leave.
type DelayedResource struct {
	resource.Base
	delay time.Duration
}

// delayedRender writes the page and ends the response.
func (d *DelayedResource) delayedRender(r *request.Request) {
	r.Write([]byte("<html><body>Sorry to keep you waiting.</body></html>"))
	r.Finish()
}

// responseFailed runs when the response ends without being finished: the
// client went away (or the server is stopping). It logs the error through
// the Site's logger and cancels the timer.
func (d *DelayedResource) responseFailed(r *request.Request, err error, call *time.Timer) {
	r.Logger().Error("Async response demo interrupted response", "err", err)
	call.Stop()
}

// RenderGET schedules the answer, and watches NotifyFinish: it delivers nil
// when the response is finished, an error when it is abandoned.
func (d *DelayedResource) RenderGET(r *request.Request) ([]byte, error) {
	call := time.AfterFunc(d.delay, func() { d.delayedRender(r) })
	finished := r.NotifyFinish()
	go func() {
		if err := <-finished; err != nil {
			d.responseFailed(r, err, call)
		}
	}()
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
