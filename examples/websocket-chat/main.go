// Command websocket-chat is a chat room: the page at / connects to /chat, which
// sends each message to everyone connected, under the name in the sender's session.
package main

import (
	"crypto/rand"
	_ "embed"
	"flag"
	"log"
	"sync"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

//go:embed chat.html
var chatPage []byte

// Name is what a visitor is called in the chat, kept in their session.
type Name string

// Room is everyone connected, a set of *Member; Join makes their protocols.
type Room struct{ members sync.Map }

// Member is one connection to the room.
type Member struct {
	websocket.BaseProtocol
	room *Room
	name Name
	t    *websocket.Transport
}

// Join names a new connection after the visitor's session, which keeps the
// name given as ?name=; a visitor who never gave one is a guest, named at random.
func (room *Room) Join(r *request.Request) (websocket.Protocol, error) {
	s, given := r.GetSession(), Name(r.Arg("name"))
	if given != "" {
		if err := session.Update(s, nil, func(n *Name) error { *n = given; return nil }); err != nil {
			return nil, err
		}
	}
	name := session.Component(s, func() Name { return Name("guest-" + rand.Text()[:4]) })
	return &Member{room: room, name: name}, nil
}

func (m *Member) NegotiationStarted(t *websocket.Transport) { m.t = t }

func (m *Member) NegotiationFinished() {
	m.room.members.Store(m, true)
	m.room.broadcast(string(m.name) + " joined")
}

func (m *Member) TextMessageReceived(msg string) { m.room.broadcast(string(m.name) + ": " + msg) }

func (m *Member) ConnectionLost(error) {
	m.room.members.Delete(m)
	m.room.broadcast(string(m.name) + " left")
}

// broadcast sends msg to every member. Sends never wait: a member who
// reads too slowly is disconnected instead.
func (room *Room) broadcast(msg string) {
	room.members.Range(func(m, _ any) bool { m.(*Member).t.SendTextMessage(msg); return true })
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("", static.NewData(chatPage, "text/html; charset=utf-8"))
	root.PutChild("chat", websocket.New(new(Room).Join))
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
