package gzip_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/gzip"
	"github.com/gotwisted/web/site"
)

type report struct{ resource.Base }

func (*report) RenderGET(*request.Request) ([]byte, error) {
	return []byte(strings.Repeat("all quiet on the western front\n", 100)), nil
}

func Example() {
	root := resource.New()
	root.PutChild("report", gzip.Wrap(new(report)))

	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	// The default client asks for gzip and decodes it transparently.
	resp, err := http.Get(srv.URL + "/report")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Uncompressed, len(body))
	// Output:
	// true 3100
}
