package websocket_test

import (
	"strings"
	"testing"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
)

// keeper keeps every binary message it is given.
type keeper struct {
	websocket.BaseProtocol
	got chan []byte
}

func (k *keeper) BytesMessageReceived(b []byte) { k.got <- b }

// Messages are read into buffers the connections share: the data a
// Protocol is given is its own, never overwritten by the messages after it.
func TestMessageDataIsTheProtocols(t *testing.T) {
	k := &keeper{got: make(chan []byte, 64)}
	root := resource.New()
	res := websocket.New(func(*request.Request) (websocket.Protocol, error) { return k, nil })
	res.MaxMessageSize = 1 << 20
	root.PutChild("ws", res)
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)

	var sent []string
	for i, size := range []int{100, 100, 5000, 100, 70 << 10, 100} { // 70 KiB: too large to be pooled
		msg := strings.Repeat(string(rune('a'+i)), size)
		sent = append(sent, msg)
		write(t, c, cws.MessageBinary, msg)
	}
	var got [][]byte
	for range sent {
		got = append(got, testutil.Receive(t, k.got, wait, "a message did not arrive"))
	}
	for i, b := range got { // checked only now, after every read
		if string(b) != sent[i] {
			t.Errorf("message %d: the Protocol holds %.20q… (%d bytes), want %.20q… (%d bytes)", i, b, len(b), sent[i], len(sent[i]))
		}
	}
}
