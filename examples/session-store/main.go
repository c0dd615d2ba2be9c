// Command session-store counts each visitor's visits to /counter, keeping
// the count in the visitor's session.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// Counter is the state stored in a session: a plain value, changed only
// through session.Update, which never loses a concurrent visit's count.
type Counter struct{ Value int }

// CounterResource counts visits.
type CounterResource struct{ resource.Base }

// RenderGET updates the session's Counter, the Go spelling of Twisted's
// ICounter(session), counting this visit.
func (*CounterResource) RenderGET(r *request.Request) ([]byte, error) {
	var n int
	err := session.Update(r.GetSession(), nil, func(c *Counter) error {
		c.Value++
		n = c.Value
		return nil
	})
	if err != nil {
		return nil, err
	}
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
