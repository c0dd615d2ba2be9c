package router_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/router"
)

func show(r *request.Request, p router.Params) ([]byte, error) {
	return fmt.Appendf(nil, "%s %v post=%q", r.Method(), p, r.Postpath()), nil
}

func newTree() resource.Resource {
	rt := router.New()
	rt.GET("/", show)
	rt.GET("/users/:name", show)
	rt.PUT("/users/:name", show)
	rt.Handle("HEH", "/users/:name", show)
	rt.POST("/users", show)
	rt.GET("/files/*path", show)
	rt.GET("/dir/", show)
	rt.DELETE("/only-delete", show)
	rt.GET("/fail", func(*request.Request, router.Params) ([]byte, error) { return nil, errors.New("boom") })
	rt.GET("/async", func(r *request.Request, _ router.Params) ([]byte, error) {
		go func() {
			r.Write([]byte("later"))
			r.Finish()
		}()
		return nil, resource.NotDoneYet
	})
	root := resource.New()
	root.PutChild("api", rt)
	return root
}

func TestRoutes(t *testing.T) {
	_, srv := testutil.Serve(t, newTree(), testutil.Quiet)
	client := testutil.NoRedirects(srv.Client())

	tests := []struct {
		method, target string
		code           int
		body           string // a substring of the body
		allow          string
		location       string
	}{
		{"GET", "/api", 200, `GET [] post=[]`, "", ""},
		{"GET", "/api/", 200, `GET [] post=[""]`, "", ""},
		{"GET", "/api/users/bob", 200, `GET [{name bob}] post=["users" "bob"]`, "", ""},
		{"GET", "/api/users/b%C3%B6b", 200, `GET [{name böb}]`, "", ""},
		{"GET", "/api/users/a%2Fb", 404, "No Such Resource", "", ""},
		{"PUT", "/api/users/bob", 200, `PUT [{name bob}]`, "", ""},
		{"HEH", "/api/users/bob", 200, `HEH [{name bob}]`, "", ""},
		{"HEAD", "/api/users/bob", 200, ``, "", ""},
		{"GET", "/api/files/a/b/c.txt", 200, `GET [{path /a/b/c.txt}]`, "", ""},
		{"GET", "/api/nothing", 404, "Sorry. No luck finding that resource.", "", ""},
		{"POST", "/api/nothing", 404, "No Such Resource", "", ""},
		{"DELETE", "/api/users/bob", 405,
			`Your browser approached me (at /api/users/bob) with the method &#34;DELETE&#34;.  I only allow the methods GET, HEAD, PUT, OPTIONS, HEH here.`,
			"GET, HEAD, PUT, OPTIONS, HEH", ""},
		{"OPTIONS", "/api/users/bob", 200, "", "GET, HEAD, PUT, OPTIONS, HEH", ""},
		{"GET", "/api/users", 405, "I only allow the methods POST, OPTIONS here.", "POST, OPTIONS", ""},
		{"GET", "/api/only-delete", 405, "I only allow the methods DELETE, OPTIONS here.", "DELETE, OPTIONS", ""},
		{"BREW", "/api/users/bob", 501, "I don't know how to treat a BREW request.", "", ""},
		// HEH is routed, though not here: the router knows it.
		{"HEH", "/api/users", 405, `with the method &#34;HEH&#34;.  I only allow the methods POST, OPTIONS here.`, "POST, OPTIONS", ""},
		{"GET", "/api/dir", 301, "", "", "/api/dir/"},
		{"GET", "/api/dir?x=1", 301, "", "", "/api/dir/?x=1"},
		{"POST", "/api/users/", 307, "", "", "/api/users"},
		{"GET", "/api/fail", 500, "Processing Failed", "", ""},
		{"GET", "/api/async", 200, "later", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp, b := testutil.Send(t, client, testutil.NewRequest(t, tt.method, srv.URL+tt.target, nil))
			if resp.StatusCode != tt.code || !strings.Contains(b, tt.body) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, b, tt.code, tt.body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
		})
	}
}

// The 404 for an unknown route is the tree's own, byte for byte.
func TestNotFoundIsTheTrees(t *testing.T) {
	_, srv := testutil.Serve(t, newTree())
	bodyOf := func(target string) string {
		resp, b := testutil.Do(t, srv, "GET", target, nil)
		return resp.Status + resp.Header.Get("Content-Type") + resp.Header.Get("Content-Length") + b
	}
	if a, b := bodyOf("/api/nothing"), bodyOf("/nothing"); a != b {
		t.Errorf("router 404 %q != tree 404 %q", a, b)
	}
}

func TestBadRegistrations(t *testing.T) {
	for name, f := range map[string]func(rt *router.Router){
		"nil handle":   func(rt *router.Router) { rt.GET("/x", nil) },
		"no slash":     func(rt *router.Router) { rt.GET("x", show) },
		"conflict":     func(rt *router.Router) { rt.GET("/a/:b", show); rt.GET("/a/:c", show) },
		"empty method": func(rt *router.Router) { rt.Handle("", "/x", show) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(router.New())
		})
	}
}
