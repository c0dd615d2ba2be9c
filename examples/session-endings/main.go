// Command session-endings gives sessions a short timeout and prints a line
// when one ends. Visit /logme to start a session; keep visiting to keep it.
package main

import (
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// ExpirationLogger asks to hear of the end of every session it sees.
type ExpirationLogger struct {
	resource.Base
	sessions sync.Map // uid → true, for the sessions already watched
}

// RenderGET registers one expiry callback per session, on its first visit,
// and answers with an empty page.
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
	flag.Parse()
	root := resource.New()
	root.PutChild("logme", &ExpirationLogger{})
	s := site.New(root)
	s.SessionFactory = session.WithTimeout(*timeout)
	if err := s.Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
