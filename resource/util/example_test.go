package util_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/util"
	"github.com/gotwisted/web/site"
)

func ExampleRedirect() {
	root := resource.New()
	root.PutChild("old", util.Redirect("/new/"))
	s := site.New(root)
	defer s.Close()

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/old/page?x=1", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output: 302 /new/
}

func ExampleParentRedirect() {
	root := resource.New()
	docs := resource.New()
	root.PutChild("docs", docs)
	docs.PutChild("intro", util.ParentRedirect())
	s := site.New(root)
	defer s.Close()

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com/docs/intro?x=1", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output: 302 http://example.com/docs/
}

func ExampleLocalPath() {
	// A redirect that adds a trailing slash to the request's path.
	for _, path := range []string{"/docs", "//evil.com"} {
		fmt.Println(util.LocalPath(path + "/"))
	}
	// Output:
	// /docs/
	// /.//evil.com/
}
