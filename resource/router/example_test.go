package router_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/router"
	"github.com/gotwisted/web/site"
)

func Example() {
	rt := router.New()
	rt.GET("/users/:name", func(r *request.Request, p router.Params) ([]byte, error) {
		return []byte("hello, " + html.EscapeString(p.ByName("name"))), nil
	})
	root := resource.New()
	root.PutChild("api", rt)

	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	for _, method := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(method, srv.URL+"/api/users/bob", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			fmt.Println(resp.Status, string(body))
		} else {
			fmt.Println(resp.Status, "Allow:", resp.Header.Get("Allow"))
		}
	}
	// Output:
	// 200 OK hello, bob
	// 405 Method Not Allowed Allow: GET, HEAD, OPTIONS
}
