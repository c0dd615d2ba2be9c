// Command xmlrpc publishes the Example of Twisted's XML-RPC howto over
// XML-RPC: echo, hello, add, defer (which answers later), fault (which
// answers with a fault), the sub-handler date.time, and introspection.
package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/site"
)

// Example is published by its XMLRPC-prefixed methods: XMLRPCEcho is "echo".
type Example struct{ delay time.Duration }

// XMLRPCEcho returns all passed args.
func (Example) XMLRPCEcho(args ...any) []any { return args }

// XMLRPCHello returns "hello, world!".
func (Example) XMLRPCHello() string { return "hello, world!" }

// XMLRPCAdd returns the sum of its arguments.
func (Example) XMLRPCAdd(a, b int) int { return a + b }

// XMLRPCDefer answers "hello" after a delay, as Twisted's returns a
// Deferred: it blocks, and gives up if the client goes away.
func (e Example) XMLRPCDefer(ctx context.Context) (string, error) {
	select {
	case <-time.After(e.delay):
		return "hello", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// XMLRPCFault says that the procedure should not be used.
func (Example) XMLRPCFault() error {
	return &xmlrpc.Fault{Code: 123, String: "The fault procedure is faulty."}
}

// Date serves the "time" method, which the Example reaches as date.time.
type Date struct{}

// XMLRPCTime returns the Unix time.
func (Date) XMLRPCTime() float64 { return float64(time.Now().UnixMicro()) / 1e6 }

func main() {
	addr := flag.String("addr", ":7080", "address to listen on")
	delay := flag.Duration("delay", time.Second, "how long defer takes to answer")
	flag.Parse()
	r := xmlrpc.New(Example{delay: *delay})
	r.PutSubHandler("date", xmlrpc.New(Date{}))
	if p, err := r.LookupProcedure("add"); err == nil {
		p.Help = "Add the arguments and return the sum."
	}
	xmlrpc.AddIntrospection(r)
	if err := site.New(r).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
