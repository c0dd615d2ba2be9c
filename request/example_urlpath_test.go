package request_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// The neighbours of a URL, as Twisted's URLPath finds them. The query and
// fragment go, unless KeepQuery keeps the query.
func ExampleURLPath() {
	p, err := request.ParseURLPath("http://example.com/foo/bar?yes=no#footer")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Child("hello"))
	fmt.Println(p.Child("hello", request.KeepQuery))
	fmt.Println(p.Child("a b/c"))
	fmt.Println(p.Sibling("baz"))
	fmt.Println(p.Here())
	fmt.Println(p.Parent())
	fmt.Println(p.Child("").Sibling("baz"))
	// Output:
	// http://example.com/foo/bar/hello
	// http://example.com/foo/bar/hello?yes=no
	// http://example.com/foo/bar/a%20b%2Fc
	// http://example.com/foo/baz
	// http://example.com/foo/
	// http://example.com/
	// http://example.com/foo/bar/baz
}

// Click goes where a browser goes when following a link from the page.
func ExampleURLPath_Click() {
	p, _ := request.ParseURLPath("http://example.com/foo/bar?yes=no")
	for _, ref := range []string{"baz", "../x", "/abs", "?page=2", "https://example.org/"} {
		q, err := p.Click(ref)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-20s %s\n", ref, q)
	}
	// Output:
	// baz                  http://example.com/foo/baz
	// ../x                 http://example.com/x
	// /abs                 http://example.com/abs
	// ?page=2              http://example.com/foo/bar?page=2
	// https://example.org/ https://example.org/
}

// signForm answers a form's POST by sending the visitor back to the page
// beside it, as Twisted code does with request.URLPath().sibling(b"").
type signForm struct{ resource.Leaf }

func (signForm) RenderPOST(r *request.Request) ([]byte, error) {
	r.Redirect(r.URLPath().Sibling("").String())
	return nil, nil
}

// A request's URLPath is the URL of the resource traversal reached,
// without the query.
func ExampleRequest_URLPath() {
	root := resource.New()
	book := resource.New()
	book.PutChild("sign", signForm{})
	root.PutChild("book", book)

	rec := httptest.NewRecorder()
	r := request.New(rec, httptest.NewRequest("POST", "http://example.com/book/sign?from=home", nil), nil)
	resource.Serve(root, r)
	fmt.Println(r.URLPath())
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// http://example.com/book/sign
	// 302 http://example.com/book/
}

// blog is an application's root resource: it remembers where it is
// mounted while traversal asks it for a child, so that its pages can link
// to its home wherever the Site puts it.
type blog struct{ resource.Base }

func (b *blog) ChildWithDefault(name string, r *request.Request) resource.Resource {
	r.RememberRootURL()
	return b.Base.ChildWithDefault(name, r)
}

// post is a page of the blog.
type post struct{ resource.Leaf }

func (post) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("<a href='" + r.AppRootURL() + "/'>home</a>"), nil
}

// RememberRootURL and AppRootURL: the application finds its own root,
// here /blog on the Site.
func ExampleRequest_RememberRootURL() {
	app := &blog{}
	app.PutChild("first-post", post{})
	root := resource.New()
	root.PutChild("blog", app)

	rec := httptest.NewRecorder()
	resource.Serve(root, request.New(rec, httptest.NewRequest("GET", "http://example.com/blog/first-post", nil), nil))
	fmt.Println(rec.Body)
	// Output:
	// <a href='http://example.com/blog/'>home</a>
}

// BasicAuth reports the credentials the client sent, as Twisted's getUser
// and getPassword; to check them, use resource/guard.
func ExampleRequest_BasicAuth() {
	hr := httptest.NewRequest("GET", "/", nil)
	hr.SetBasicAuth("ada", "s3cret:42")
	user, password, ok := request.New(httptest.NewRecorder(), hr, nil).BasicAuth()
	fmt.Println(user, password, ok)
	// Output:
	// ada s3cret:42 true
}
