package static_test

import (
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

func ExampleFile() {
	files, err := static.NewFile("testdata/site")
	if err != nil {
		log.Fatal(err)
	}
	defer files.Close()
	root := resource.New()
	root.PutChild("files", files)
	s := site.New(root)
	defer s.Close()

	for _, path := range []string{"/files/hello.txt", "/files", "/files/../go.mod"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Code, w.Header().Get("Content-Type"))
		switch w.Code {
		case 200:
			fmt.Print(w.Body.String())
		case 302:
			fmt.Println("Location:", w.Header().Get("Location"))
		}
	}
	// Output:
	// /files/hello.txt 200 text/plain; charset=utf-8
	// hello, world
	// /files 302 text/html; charset=utf-8
	// Location: /files/
	// /files/../go.mod 404 text/html; charset=utf-8
}

func ExampleNewData() {
	root := resource.New()
	root.PutChild("robots.txt", static.NewData([]byte("User-agent: *\nDisallow:\n"), "text/plain"))
	s := site.New(root)
	defer s.Close()

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/robots.txt", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Length"))
	fmt.Print(w.Body.String())
	// Output:
	// 200 text/plain 24
	// User-agent: *
	// Disallow:
}

// A File with Twisted's settings: /about finds about.html, directories are
// not listed, and .rpy files answer 403 instead of showing their source.
func ExampleFile_settings() {
	files, err := static.NewFile("testdata/site")
	if err != nil {
		log.Fatal(err)
	}
	defer files.Close()
	files.IgnoredExts = []string{".html"}
	files.Listing = static.NoListing
	files.Processors = map[string]func(string) (resource.Resource, error){
		".rpy": func(string) (resource.Resource, error) { return resource.Forbidden("No scripts here."), nil },
	}
	s := site.New(files)
	defer s.Close()

	for _, path := range []string{"/about", "/docs/", "/docs/tool.rpy"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Code, w.Header().Get("Content-Type"))
		if w.Code == 200 {
			fmt.Print(w.Body.String())
		}
	}
	// Output:
	// /about 200 text/html; charset=utf-8
	// <p>About us.</p>
	// /docs/ 403 text/html; charset=utf-8
	// /docs/tool.rpy 403 text/html; charset=utf-8
}
