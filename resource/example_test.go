package resource_test

import (
	"fmt"
	"html"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// Hello is a page: it embeds Base for its children and renders GET. The
// page is HTML, so the name the visitor sent is escaped.
type Hello struct{ resource.Base }

func (*Hello) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("Hello, " + html.EscapeString(r.Arg("name")) + "!"), nil
}

// get sends a GET through h and prints the status and the body's first line.
func get(h *site.Site, target string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	first, _, _ := strings.Cut(strings.TrimSpace(w.Body.String()), "\n")
	fmt.Println(w.Code, first)
}

// A tree of resources: each path segment picks a child.
func ExampleBase_PutChild() {
	root := resource.New()
	root.PutChild("", &Hello{}) // the page at "/"
	root.PutChild("hello", &Hello{})
	s := site.New(root)
	defer s.Close()

	get(s, "/?name=root")
	get(s, "/hello?name=%3Cb%3Eworld%3C/b%3E") // what a visitor sends is escaped
	get(s, "/missing")
	// Output:
	// 200 Hello, root!
	// 200 Hello, &lt;b&gt;world&lt;/b&gt;!
	// 404 <html>
}

// Calendar has dynamic children: GetChild makes one for each year.
type Calendar struct{ resource.Base }

func (*Calendar) GetChild(name string, _ *request.Request) (resource.Resource, error) {
	year, err := strconv.Atoi(name)
	if err != nil {
		return resource.NoResource("No such year."), nil
	}
	return &Year{year: year}, nil
}

// Year renders one year.
type Year struct {
	resource.Base
	year int
}

func (y *Year) RenderGET(*request.Request) ([]byte, error) {
	return fmt.Appendf(nil, "The year %d.", y.year), nil
}

// Dynamic children come from GetChild, asked when no static child matches.
func ExampleChildGetter() {
	s := site.New(&Calendar{})
	defer s.Close()
	get(s, "/2009")
	// Output:
	// 200 The year 2009.
}

// Delayed answers later, from another goroutine (Twisted's NOT_DONE_YET).
type Delayed struct{ resource.Leaf }

func (Delayed) RenderGET(r *request.Request) ([]byte, error) {
	time.AfterFunc(10*time.Millisecond, func() {
		r.Write([]byte("Sorry to keep you waiting."))
		r.Finish()
	})
	return nil, resource.NotDoneYet
}

// A render that returns NotDoneYet writes and finishes the response later;
// the Site waits for Finish.
func ExampleNotDoneYet() {
	s := site.New(Delayed{})
	defer s.Close()
	get(s, "/")
	// Output:
	// 200 Sorry to keep you waiting.
}

// Methods a resource does not render get 405 with an Allow header.
func ExampleRender() {
	root := resource.New()
	root.PutChild("", &Hello{})
	s := site.New(root)
	defer s.Close()

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("DELETE", "/", nil))
	fmt.Println(w.Code, w.Header().Get("Allow"))
	// Output:
	// 405 GET, HEAD, OPTIONS
}
