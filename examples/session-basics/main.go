// Command session-basics shows each visitor's session id at /session and
// ends the session at /session/expire.
package main

import (
	"flag"
	"log"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// ShowSession shows the id of the visitor's session, creating the session
// (and setting its cookie) on the first visit.
type ShowSession struct{ resource.Base }

// RenderGET answers with the session id.
func (*ShowSession) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("Your session id is: " + r.GetSession().UID()), nil
}

// ExpireSession ends the visitor's session.
type ExpireSession struct{ resource.Base }

// RenderGET expires the session; the response also clears its cookie.
func (*ExpireSession) RenderGET(r *request.Request) ([]byte, error) {
	r.GetSession().Expire()
	return []byte("Your session has been expired."), nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	show := &ShowSession{}
	show.PutChild("expire", &ExpireSession{})
	root := resource.New()
	root.PutChild("session", show)
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
