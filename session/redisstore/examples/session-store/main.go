// Command session-store counts each visitor's visits to /counter, keeping
// the count in the visitor's session in Redis, so that several copies of
// it (on several ports or machines) share their visitors, and a restart
// keeps them.
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
	"github.com/gotwisted/web/site"
)

// Counter is the state stored in a session: a plain value, changed only
// through session.Update, which never loses a concurrent visit's count,
// whichever copy of the program serves it.
type Counter struct{ Value int }

// CounterResource counts visits.
type CounterResource struct{ resource.Base }

// RenderGET updates the session's Counter and shows it.
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
	redisAddr := flag.String("redis", "localhost:6379", "Redis: host:port, or the path of a unix socket")
	flag.Parse()
	opts := &redis.Options{Addr: *redisAddr}
	if strings.Contains(*redisAddr, "/") {
		opts.Network = "unix"
	}
	client := redis.NewClient(opts)
	defer client.Close()

	root := resource.New()
	root.PutChild("counter", &CounterResource{})
	s := site.New(root)
	s.SessionStore = redisstore.New(client, redisstore.Options{})
	if err := s.Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
