package request_test

import (
	"fmt"
	"html"
	"net/http/httptest"
	"strings"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// A Request made by hand, as a test or another server would: the query and
// a POSTed form are merged into Args, the form's keys replacing the query's.
func Example() {
	hr := httptest.NewRequest("POST", "/greet/world?lang=en&lang=fr&name=query",
		strings.NewReader("name=Ada+Lovelace&title=Countess%20of%20Lovelace"))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r := request.New(rec, hr, nil) // nil Config: defaults, no sessions

	seg, _ := r.Consume() // what traversal does, one segment at a time
	fmt.Printf("consumed %q, prepath %q, postpath %q\n", seg, r.Prepath(), r.Postpath())

	args, err := r.Args()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("lang:", args["lang"])
	fmt.Println("name:", args["name"])
	fmt.Println("title:", r.Arg("title"))

	r.FinishWith([]byte("hello, " + html.EscapeString(r.Arg("name")))) // the page is HTML
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Length"), rec.Body)
	// Output:
	// consumed "greet", prepath ["greet"], postpath ["world"]
	// lang: [en fr]
	// name: [Ada Lovelace]
	// title: Countess of Lovelace
	// 200 text/html 19 hello, Ada Lovelace
}

// hello greets the name in its query, escaped for HTML.
type hello struct{ resource.Base }

func (*hello) RenderGET(r *request.Request) ([]byte, error) {
	return []byte("Hello, " + html.EscapeString(r.Arg("name")) + "!"), nil
}

// A tree served into a ResponseRecorder, without a Site: resource.Serve
// traverses and renders. (A Site does the same, and adds sessions.)
func Example_serve() {
	root := resource.New()
	root.PutChild("hello", &hello{})

	for _, target := range []string{"/hello?name=%3CGo%3E", "/nowhere"} {
		rec := httptest.NewRecorder()
		r := request.New(rec, httptest.NewRequest("GET", target, nil), nil)
		resource.Serve(root, r)
		fmt.Println(target, rec.Code, rec.Header().Get("Content-Length"))
		if rec.Code == 200 {
			fmt.Println(rec.Body)
		}
	}
	// Output:
	// /hello?name=%3CGo%3E 200 18
	// Hello, &lt;Go&gt;!
	// /nowhere 404 167
}

// Cookies are read as Twisted reads them: split on ";", the last
// occurrence wins, and values are not unquoted.
func ExampleRequest_Cookie() {
	hr := httptest.NewRequest("GET", "/", nil)
	hr.Header.Set("Cookie", `theme=dark; flag; lang="en"; theme=light`)
	r := request.New(httptest.NewRecorder(), hr, nil)
	for _, name := range []string{"theme", "lang", "flag"} {
		v, ok := r.Cookie(name)
		fmt.Printf("%s=%s %v\n", name, v, ok)
	}
	// Output:
	// theme=light true
	// lang="en" true
	// flag= false
}
