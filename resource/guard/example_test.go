package guard_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
	"github.com/gotwisted/web/site"
)

// page is a resource with a fixed body.
type page string

func (page) IsLeaf() bool                                                { return true }
func (page) ChildWithDefault(string, *request.Request) resource.Resource { return nil }
func (page) PutChild(string, resource.Resource)                          {}
func (p page) RenderGET(*request.Request) ([]byte, error)                { return []byte(p), nil }

// Each user sees their own tree, as in Twisted's HTTP authentication howto.
func Example() {
	checker := guard.Passwords{"joe": "blow", "jane": "doe"}
	realm := guard.RealmFunc(func(user string, _ *request.Request) (resource.Resource, error) {
		return page("<p>Welcome, " + user + "</p>"), nil
	})
	root := resource.New()
	root.PutChild("private", guard.New(realm, checker, guard.Basic("example.org")))

	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	for _, user := range []string{"", "jane"} {
		req, _ := http.NewRequest("GET", srv.URL+"/private", nil)
		if user != "" {
			req.SetBasicAuth(user, checker[user])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Status, resp.Header.Get("WWW-Authenticate"), string(body))
	}
	// Output:
	// 401 Unauthorized Basic realm="example.org", charset="UTF-8" Unauthorized
	// 200 OK  <p>Welcome, jane</p>
}
