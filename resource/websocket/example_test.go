package websocket_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

// Echo answers each text message with "reply to " and the message.
type Echo struct {
	websocket.BaseProtocol // the events Echo does not handle
	t                      *websocket.Transport
}

func (e *Echo) NegotiationStarted(t *websocket.Transport) { e.t = t }

func (e *Echo) TextMessageReceived(msg string) { e.t.SendTextMessage("reply to " + msg) }

func Example() {
	root := resource.New()
	root.PutChild("echo", websocket.New(func(r *request.Request) (websocket.Protocol, error) {
		return &Echo{}, nil
	}))
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	// A client, with github.com/coder/websocket.
	ctx := context.Background()
	c, _, err := cws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/echo", nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()
	c.Write(ctx, cws.MessageText, []byte("hello"))
	_, reply, _ := c.Read(ctx)
	fmt.Println(string(reply))
	// Output: reply to hello
}

// Room sends each message to everyone connected. It is the Factory of its
// members' protocols.
type Room struct {
	mu      sync.Mutex
	members map[*Member]bool
}

// Member is one connection to a Room.
type Member struct {
	websocket.BaseProtocol
	room *Room
	name string
	t    *websocket.Transport
}

// Join makes the protocol of a new connection, named by the handshake's
// "name" argument.
func (room *Room) Join(r *request.Request) (websocket.Protocol, error) {
	return &Member{room: room, name: r.Arg("name")}, nil
}

func (m *Member) NegotiationStarted(t *websocket.Transport) { m.t = t }

func (m *Member) NegotiationFinished() {
	m.room.mu.Lock()
	m.room.members[m] = true
	m.room.mu.Unlock()
	m.room.Broadcast(m.name + " joined")
}

func (m *Member) TextMessageReceived(msg string) { m.room.Broadcast(m.name + ": " + msg) }

func (m *Member) ConnectionLost(error) {
	m.room.mu.Lock()
	delete(m.room.members, m)
	m.room.mu.Unlock()
}

// Broadcast sends msg to every member. Sends never block: a member too slow
// to keep up is disconnected, and the others do not wait for it.
func (room *Room) Broadcast(msg string) {
	room.mu.Lock()
	defer room.mu.Unlock()
	for m := range room.members {
		m.t.SendTextMessage(msg)
	}
}

func Example_broadcast() {
	room := &Room{members: make(map[*Member]bool)}
	root := resource.New()
	root.PutChild("chat", websocket.New(room.Join))
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/chat?name="
	ann, _, _ := cws.Dial(ctx, url+"ann", nil)
	defer ann.CloseNow()
	_, msg, _ := ann.Read(ctx)
	fmt.Println(string(msg))
	bob, _, _ := cws.Dial(ctx, url+"bob", nil)
	defer bob.CloseNow()
	_, msg, _ = ann.Read(ctx)
	fmt.Println(string(msg))
	bob.Write(ctx, cws.MessageText, []byte("hello, ann"))
	_, msg, _ = ann.Read(ctx)
	fmt.Println(string(msg))
	// Output:
	// ann joined
	// bob joined
	// bob: hello, ann
}
