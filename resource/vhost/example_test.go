package vhost_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/resource/vhost"
	"github.com/gotwisted/web/site"
)

func ExampleNameVirtualHost() {
	com := resource.New()
	com.PutChild("", static.NewData([]byte("welcome to example.com\n"), "text/plain"))
	org := resource.New()
	org.PutChild("", static.NewData([]byte("welcome to example.org\n"), "text/plain"))

	v := vhost.New()
	v.AddHost("example.com", com)
	v.AddHost("example.org", org)
	s := site.New(v)
	defer s.Close()

	for _, url := range []string{"http://example.com/", "http://EXAMPLE.org:8080/", "http://example.net/"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", url, nil))
		if w.Code != 200 {
			fmt.Println(w.Code)
			continue
		}
		fmt.Print(w.Body.String())
	}
	// Output:
	// welcome to example.com
	// welcome to example.org
	// 404
}
