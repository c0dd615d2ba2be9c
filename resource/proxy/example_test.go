package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "backend got %s %s", req.URL.Path, req.URL.RawQuery)
	}))
	defer backend.Close()

	upstream, _ := url.Parse(backend.URL + "/app")
	root := resource.New()
	root.PutChild("app", proxy.NewReverseProxy(upstream))
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/app/users/bob?tab=repos")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output:
	// backend got /app/users/bob tab=repos
}
