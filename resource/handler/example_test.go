package handler_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/site"
)

// A ServeMux mounted at /app sees the rest of the path; the mount point is
// its prefix.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "hello, %s (mounted at %s, path %s)", req.PathValue("name"), handler.Prefix(req), req.URL.Path)
	})
	root := resource.New()
	root.PutChild("app", handler.New(mux))

	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/app/hello/world")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// 200 OK text/plain; charset=utf-8
	// hello, world (mounted at /app, path /hello/world)
}
