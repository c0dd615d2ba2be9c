// Command session-endings gives sessions a short timeout and prints a line
// when one ends, with the sessions in Redis. Visit /logme to start a
// session; keep visiting, through any copy of the program, to keep it. The
// copy that first saw a session prints its end, whichever copy the visitor
// used last.
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
	"github.com/gotwisted/web/site"
)

// ExpirationLogger asks to hear of the end of every session it sees.
type ExpirationLogger struct {
	resource.Base
	sessions sync.Map // uid → true, for the sessions this copy watches
}

// RenderGET registers one expiry callback per session, on its first visit
// to this copy, and answers with an empty page.
func (e *ExpirationLogger) RenderGET(r *request.Request) ([]byte, error) {
	s := r.GetSession()
	uid := s.UID()
	if _, seen := e.sessions.LoadOrStore(uid, true); !seen {
		s.NotifyOnExpire(func() { e.expired(uid) })
	}
	return []byte{}, nil
}

// expired runs when the session uid ends.
func (e *ExpirationLogger) expired(uid string) {
	fmt.Println("Session", uid, "has expired.")
	e.sessions.Delete(uid)
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	timeout := flag.Duration("timeout", 5*time.Second, "how long an unvisited session lives")
	redisAddr := flag.String("redis", "localhost:6379", "Redis: host:port, or the path of a unix socket")
	flag.Parse()
	opts := &redis.Options{Addr: *redisAddr}
	if strings.Contains(*redisAddr, "/") {
		opts.Network = "unix"
	}
	client := redis.NewClient(opts)
	defer client.Close()

	root := resource.New()
	root.PutChild("logme", &ExpirationLogger{})
	s := site.New(root)
	s.SessionFactory = session.WithTimeout(*timeout)
	s.SessionStore = redisstore.New(client, redisstore.Options{})
	if err := s.Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
