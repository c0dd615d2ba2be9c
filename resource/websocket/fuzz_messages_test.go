package websocket_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
)

// mirror sends every message back as it came, and keeps each one it was
// given, so that a later message cannot have overwritten an earlier one.
type mirror struct {
	websocket.BaseProtocol
	t    *websocket.Transport
	kept chan []byte
}

func (m *mirror) NegotiationStarted(t *websocket.Transport) { m.t = t }
func (m *mirror) TextMessageReceived(s string) {
	m.kept <- []byte(s)
	m.t.SendTextMessage(s)
}
func (m *mirror) BytesMessageReceived(b []byte) {
	m.kept <- b
	m.t.SendBytesMessage(b)
}

// FuzzMessages sends messages of any content and size through one
// connection, whose reads and writes go through buffers shared by the
// Resource's connections: each comes back whole, of its type, and the data
// the Protocol was given for the message before is still what was sent.
func FuzzMessages(f *testing.F) {
	f.Add([]byte("hello"), true)
	f.Add([]byte{}, false)
	f.Add([]byte("\x00\xff binary"), false)
	f.Add(bytes.Repeat([]byte("x"), 5000), true)
	f.Add(bytes.Repeat([]byte("é"), 40000), true) // 80 KB: beyond the pooled size

	m := &mirror{kept: make(chan []byte, 1)}
	res := websocket.New(func(*request.Request) (websocket.Protocol, error) { return m, nil })
	res.MaxMessageSize = 1 << 20
	root := resource.New()
	root.PutChild("ws", res)
	_, srv := testutil.Serve(f, root, testutil.Quiet)
	ctx := context.Background()
	c, _, err := cws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.CloseNow() })
	c.SetReadLimit(-1)

	var prevSent, prevKept []byte
	f.Fuzz(func(t *testing.T, data []byte, text bool) {
		typ := cws.MessageBinary
		if text && utf8.Valid(data) {
			typ = cws.MessageText // invalid text closes the connection: tested apart
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.Write(ctx, typ, data); err != nil {
			t.Fatal(err)
		}
		gotTyp, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if gotTyp != typ || !bytes.Equal(got, data) {
			t.Fatalf("sent %v %d bytes, got back %v %d bytes", typ, len(data), gotTyp, len(got))
		}
		kept := <-m.kept
		if !bytes.Equal(kept, data) {
			t.Fatalf("the Protocol was given %d bytes for %d sent", len(kept), len(data))
		}
		if prevKept != nil && !bytes.Equal(prevKept, prevSent) {
			t.Fatalf("the data of the message before changed under the Protocol")
		}
		prevSent, prevKept = bytes.Clone(data), kept
	})
}
