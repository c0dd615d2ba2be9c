// Command session-store counts each visitor's visits to /counter, keeping
// the count in the visitor's session.
package main

import (
	"flag"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// Counter is the state stored in a session. Two requests of one visitor may
// run at once, so the count is atomic.
type Counter struct{ value atomic.Int64 }

// newCounter makes the Counter of a session that has none yet.
func newCounter() *Counter { return new(Counter) }

// CounterResource counts visits.
type CounterResource struct{ resource.Base }

// RenderGET finds (or makes) the session's Counter, the Go spelling of
// Twisted's ICounter(session), and counts this visit.
func (*CounterResource) RenderGET(r *request.Request) ([]byte, error) {
	counter := session.Component(r.GetSession(), newCounter)
	n := counter.value.Add(1)
	return fmt.Appendf(nil, "<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head>"+
		"<body>Visit #%d for you!", n), nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("counter", &CounterResource{})
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
