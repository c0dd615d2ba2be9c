// Command inspect serves a small tree with the inspector mounted at
// /_inspect/: open it in a second window to watch each request walk the
// tree and each session count down to its end.
package main

import (
	"flag"
	"html"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

const head = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>inspect</title></head><body>"

// Hello makes a child for any name it is asked for: /hello/NAME.
type Hello struct{ resource.Base }

func (*Hello) GetChild(name string, _ *request.Request) (resource.Resource, error) {
	return page("Hello, " + html.EscapeString(name) + "!"), nil
}

func page(body string) *static.Data {
	return static.NewData([]byte(head+body), "text/html; charset=utf-8")
}

// Note is what the form keeps in the visitor's session.
type Note struct{ Text string }

// Form shows the note kept in the visitor's session, and a form to change it.
type Form struct{ resource.Leaf }

func (Form) RenderGET(r *request.Request) ([]byte, error) {
	note, _ := session.Get[Note](r.GetSession())
	return []byte(head + "<form method='POST'><input name='note' value='" + html.EscapeString(note.Text) +
		"'><button>Keep</button></form>"), nil
}

// RenderPOST keeps the note, asks to hear when the session ends, and
// sends the visitor back to the form.
func (Form) RenderPOST(r *request.Request) ([]byte, error) {
	s := r.GetSession()
	if _, kept := session.Get[Note](s); !kept {
		s.NotifyOnExpire(func() { log.Print("a session with a note has ended") })
	}
	err := session.Update(s, nil, func(n *Note) error { n.Text = r.Arg("note"); return nil })
	if err != nil {
		return nil, err
	}
	r.Redirect("/form")
	return []byte{}, nil
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	path := flag.String("path", os.TempDir(), "directory served at /files/")
	timeout := flag.Duration("timeout", 20*time.Second, "how long an unvisited session lives")
	steps := flag.Bool("log", false, "also log each request's steps")
	flag.Parse()
	files, err := static.NewFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	ins := inspect.New()
	if *steps {
		ins.Log = slog.Default()
	}
	root := resource.New()
	root.PutChild("", page("<a href='/files/'>files</a> · <a href='/hello/world'>hello</a> · "+
		"<a href='/form'>form</a> · <a href='/_inspect/'>inspector</a>"))
	root.PutChild("files", files)
	root.PutChild("hello", &Hello{})
	root.PutChild("form", Form{})
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.SessionFactory = session.WithTimeout(*timeout)
	s.Inspector = ins
	if err := s.Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
