// Command porting is the guestbook of docs/porting.md, a Twisted Web
// application (guestbook.py, beside it) ported to Go. GET / shows the
// signatures and a form; POST /sign adds one; /RPC2 is an XML-RPC API
// (entries, sign); /static/ serves the stylesheet. Each visitor's session
// holds the token that the visitor's forms must send back.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"flag"
	"html/template"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// Entry is one signature; XML-RPC sends it as a struct.
type Entry struct {
	Name    string `xmlrpc:"name"`
	Message string `xmlrpc:"message"`
}

// Guestbook holds the signatures, oldest first. Go serves requests in
// parallel, so a mutex guards them.
type Guestbook struct {
	mu      sync.Mutex
	entries []Entry
}

// Sign adds a signature and returns the number of signatures.
func (b *Guestbook) Sign(name, message string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries = append(b.entries, Entry{name, message})
	return len(b.entries)
}

// Entries returns a copy of the signatures.
func (b *Guestbook) Entries() []Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Entry(nil), b.entries...)
}

// FormToken is the random string that a session's forms send back: a
// session component, where Twisted has the IFormToken adapter.
type FormToken string

// newFormToken makes the token of a session that has none yet.
func newFormToken() FormToken { return FormToken(rand.Text()) }

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html><html><head><meta charset='utf-8'><title>Guestbook</title>
<link rel='stylesheet' href='/static/style.css'></head><body><h1>Guestbook</h1>
<ul>{{range .Entries}}<li><b>{{.Name}}</b>: {{.Message}}</li>{{end}}</ul><form method='POST' action='sign'>
<input type='hidden' name='token' value='{{.Token}}'><input name='name' placeholder='Name'>
<input name='message' placeholder='Message'><button>Sign</button></form></body></html>`))

// Home shows the signatures and the form.
type Home struct {
	resource.Leaf
	book *Guestbook
}

// RenderGET renders the page with the session's token in its form.
func (h *Home) RenderGET(r *request.Request) ([]byte, error) {
	token := session.Component(r.GetSession(), newFormToken)
	var b bytes.Buffer
	err := page.Execute(&b, struct {
		Entries []Entry
		Token   FormToken
	}{h.book.Entries(), token})
	return b.Bytes(), err
}

// Sign adds the form's signature, then sends the visitor back to the page.
type Sign struct {
	resource.Leaf
	book *Guestbook
}

// RenderPOST checks the token and the name before signing.
func (s *Sign) RenderPOST(r *request.Request) ([]byte, error) {
	if _, err := r.Args(); err != nil {
		return nil, err // a malformed body is a 400, one too large a 413
	}
	token := session.Component(r.GetSession(), newFormToken)
	if subtle.ConstantTimeCompare([]byte(r.Arg("token")), []byte(token)) != 1 {
		r.SetResponseCode(http.StatusForbidden)
		return []byte("<p>This form has expired: reload the page.</p>"), nil
	}
	if strings.TrimSpace(r.Arg("name")) == "" {
		r.SetResponseCode(http.StatusBadRequest)
		return []byte("<p>A name is needed.</p>"), nil
	}
	s.book.Sign(r.Arg("name"), r.Arg("message"))
	r.Redirect(r.URLPath().Sibling("").String())
	return nil, nil
}

// API publishes the guestbook over XML-RPC: entries and sign.
type API struct{ book *Guestbook }

// XMLRPCEntries returns every signature, oldest first.
func (a API) XMLRPCEntries() []Entry { return a.book.Entries() }

// XMLRPCSign signs the guestbook and returns the number of signatures.
func (a API) XMLRPCSign(name, message string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return 0, &xmlrpc.Fault{Code: 1, String: "a name is needed"}
	}
	return a.book.Sign(name, message), nil
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	dir := flag.String("static", "examples/porting/static", "directory of the static files")
	flag.Parse()
	files, err := static.NewFile(*dir)
	if err != nil {
		log.Fatal(err)
	}
	book := &Guestbook{}
	root := resource.New()
	root.PutChild("", &Home{book: book})
	root.PutChild("sign", &Sign{book: book})
	root.PutChild("RPC2", xmlrpc.New(API{book}))
	root.PutChild("static", files)
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
