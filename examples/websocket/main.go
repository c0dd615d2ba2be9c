// Command websocket serves Twisted's WebSocket example: the page at /
// connects to /websocket-server, which sends "heartbeat N" every second and
// answers each text message with "reply to" and the message.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

var (
	//go:embed index.html
	index []byte
	//go:embed websocket-browser-client.js
	browserClient []byte
)

// WebSocketDemo is the protocol of one connection. It embeds
// websocket.BaseProtocol for the events it ignores (bytes and pongs).
type WebSocketDemo struct {
	websocket.BaseProtocol
	transport *websocket.Transport
	stop      chan struct{} // closed when the connection is lost
}

// buildProtocol makes the protocol of each new connection.
func buildProtocol(*request.Request) (websocket.Protocol, error) {
	return &WebSocketDemo{stop: make(chan struct{})}, nil
}

// NegotiationStarted keeps the transport the demo sends with.
func (d *WebSocketDemo) NegotiationStarted(t *websocket.Transport) {
	d.transport = t
}

// NegotiationFinished starts the heartbeat: one at once, then one a second.
func (d *WebSocketDemo) NegotiationFinished() {
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for counter := 1; ; counter++ {
			d.transport.SendTextMessage(fmt.Sprintf("heartbeat %d", counter))
			select {
			case <-tick.C:
			case <-d.stop:
				return
			}
		}
	}()
}

// TextMessageReceived answers each message.
func (d *WebSocketDemo) TextMessageReceived(data string) {
	d.transport.SendTextMessage("reply to " + data)
}

// ConnectionLost stops the heartbeat.
func (d *WebSocketDemo) ConnectionLost(error) { close(d.stop) }

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("", static.NewData(index, "text/html; charset=utf-8"))
	root.PutChild("websocket-browser-client.js", static.NewData(browserClient, "text/javascript; charset=utf-8"))
	root.PutChild("websocket-server", websocket.New(buildProtocol))
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
