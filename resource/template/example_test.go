package template_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	webtemplate "github.com/gotwisted/web/resource/template"
	"github.com/gotwisted/web/site"
)

func Example() {
	t := template.Must(template.New("hello").Parse(`<p>Hello, {{.}}!</p>`))
	root := resource.New()
	root.PutChild("hello", webtemplate.New(t, func(r *request.Request) (any, error) {
		return r.Arg("name"), nil
	}))

	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/hello?name=%3Cworld%3E")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Header.Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// text/html; charset=utf-8
	// <p>Hello, &lt;world&gt;!</p>
}
