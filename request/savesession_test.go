package request_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// TestSaveWithoutTheRequestLock: while a new session is stored in a shared
// store, just before the headers that carry its cookie go out, the
// Request's other methods answer, to the store's own calls and to other
// goroutines (a resource's, or the server's ending the request), over
// every way of sending the headers. The headers wait for the store, and
// carry what was set meanwhile.
func TestSaveWithoutTheRequestLock(t *testing.T) {
	type server = func(testing.TB, resource.Resource, ...func(*site.Site)) (*site.Site, *httptest.Server)
	servers := []struct {
		name  string
		serve server
	}{{"HTTP/1.1", testutil.Serve}, {"HTTP/2", testutil.ServeHTTP2}}
	// Each render makes a session, then sends "body" (or nothing) in its
	// own way.
	later := func(f func(r *request.Request)) func(r *request.Request) ([]byte, error) {
		return func(r *request.Request) ([]byte, error) {
			go f(r)
			return nil, resource.NotDoneYet
		}
	}
	renders := []struct {
		name   string
		render func(r *request.Request) ([]byte, error)
		body   string
	}{
		{"FinishWith", func(r *request.Request) ([]byte, error) { return []byte("body"), nil }, "body"},
		{"Write", later(func(r *request.Request) { r.Write([]byte("body")); r.Finish() }), "body"},
		{"Flush", later(func(r *request.Request) { r.Flush(); r.Finish() }), ""},
		{"Finish", later(func(r *request.Request) { r.Finish() }), ""},
		{"ResponseWriter", func(r *request.Request) ([]byte, error) {
			r.ResponseWriter().WriteHeader(http.StatusOK)
			r.ResponseWriter().Write([]byte("body"))
			return nil, nil
		}, "body"},
	}
	for _, sv := range servers {
		for _, rt := range renders {
			t.Run(sv.name+"/"+rt.name, func(t *testing.T) {
				reqs := make(chan *request.Request, 1)
				st := &request.HookStore{OnCreate: func() error {
					var r *request.Request
					select {
					case r = <-reqs:
					default: // a second store of the session
						t.Error("the session is stored twice")
						return nil
					}
					answered := make(chan error, 1)
					go func() {
						switch {
						case r.HeadersSent():
							answered <- errors.New("HeadersSent while the session is stored")
						case len(r.NotifyFinish()) > 0:
							answered <- errors.New("ended while the session is stored")
						default:
							r.SetHeader("X-Meanwhile", "yes")
							answered <- nil
						}
					}()
					select {
					case err := <-answered:
						if err != nil {
							t.Error(err)
						}
					case <-time.After(10 * time.Second):
						t.Error("the Request's methods wait for the store of its session")
					}
					return nil
				}}
				root := testutil.Func(func(r *request.Request) ([]byte, error) {
					r.GetSession()
					reqs <- r
					return rt.render(r)
				})
				_, srv := sv.serve(t, root, func(s *site.Site) { s.SessionStore = st })
				resp, body := testutil.Do(t, srv, "GET", "/", nil)
				if resp.StatusCode != http.StatusOK || body != rt.body {
					t.Errorf("%d %q, want 200 %q", resp.StatusCode, body, rt.body)
				}
				if got := resp.Header.Get("X-Meanwhile"); got != "yes" {
					t.Errorf("X-Meanwhile %q: the header set while the session was stored was not sent", got)
				}
				if n := len(resp.Cookies()); n != 1 || st.Creates() != 1 {
					t.Errorf("%d cookies, %d stores, want 1 of each", n, st.Creates())
				}
			})
		}
	}
}
