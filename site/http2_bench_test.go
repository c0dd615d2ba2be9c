package site_test

import (
	"io"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// BenchmarkHTTP2Page asks for a page of 1 KiB over HTTP/2 and TLS, with
// the default WriteIdleTimeout: its Content-Length declared (a render's
// body), or not (written with Write).
func BenchmarkHTTP2Page(b *testing.B) {
	for _, c := range []struct {
		name string
		page resource.Resource
	}{
		{"sized1K", page(strings.Repeat("x", 1<<10))},
		{"unsized1K", testutil.Func(func(r *request.Request) ([]byte, error) {
			_, err := r.Write([]byte(strings.Repeat("x", 1<<10)))
			return nil, err
		})},
	} {
		b.Run(c.name, func(b *testing.B) {
			root := resource.New()
			root.PutChild("p", c.page)
			_, srv := testutil.ServeHTTP2(b, root)
			client := srv.Client()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(srv.URL + "/p")
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
