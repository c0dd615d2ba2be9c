package inspect_test

import (
	"log"
	"log/slog"
	"net/netip"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

type hello struct{ resource.Leaf }

func (hello) RenderGET(*request.Request) ([]byte, error) { return []byte("hello"), nil }

// Mount the inspector, attach it to the Site, and visit
// http://localhost:8080/_inspect/ from the same machine.
func Example() {
	root := resource.New()
	root.PutChild("hello", hello{})
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.Inspector = ins
	if err := s.Run(site.TCP("localhost:8080")); err != nil {
		log.Fatal(err)
	}
}

// Each request's steps, as a block of lines on the console.
func ExampleInspector_Log() {
	root := resource.New()
	ins := inspect.New()
	ins.Log = slog.Default()
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.Inspector = ins
	if err := s.Run(site.TCP("localhost:8080")); err != nil {
		log.Fatal(err)
	}
}

// Let the machines of a class's network in, not only the teacher's own.
func ExampleInspector_AllowClient() {
	class := netip.MustParsePrefix("192.168.10.0/24")
	ins := inspect.New()
	ins.AllowClient = func(addr netip.Addr) bool { return addr.IsLoopback() || class.Contains(addr) }
	root := resource.New()
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.Inspector = ins
	if err := s.Run(site.TCP(":8080")); err != nil {
		log.Fatal(err)
	}
}
