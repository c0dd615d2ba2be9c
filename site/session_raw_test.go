package site_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// rawPage answers through the standard library (http.ServeContent on
// r.ResponseWriter()), with the session's uid as the body; order says
// whether it asks for the session before or after taking the writer, or
// expires it before or after.
type rawPage struct {
	resource.Leaf
	order string // "before", "after", "expired" or "expired-late"
}

func (p *rawPage) RenderGET(r *request.Request) ([]byte, error) {
	var uid string
	var w http.ResponseWriter
	switch p.order {
	case "before":
		uid = r.GetSession().UID()
		w = r.ResponseWriter()
	case "after":
		w = r.ResponseWriter()
		uid = r.GetSession().UID()
	case "expired":
		r.GetSession().Expire()
		w = r.ResponseWriter()
	case "expired-late":
		sess := r.GetSession()
		w = r.ResponseWriter()
		sess.Expire()
	}
	http.ServeContent(w, r.HTTPRequest(), "", time.Time{}, strings.NewReader(uid))
	return nil, r.Finish()
}

// TestSessionWithResponseWriter checks that a resource that writes through
// the ResponseWriter still sends what its session needs: the cookie of a
// new session (or the clearing one of an expired session), Vary: Cookie
// and Cache-Control: private, over a real connection.
func TestSessionWithResponseWriter(t *testing.T) {
	root := resource.New()
	for _, order := range []string{"before", "after", "expired", "expired-late"} {
		root.PutChild(order, &rawPage{order: order})
	}
	s, srv := serve(t, root)
	get := func(t *testing.T, path, cookie string) (*http.Response, string) {
		t.Helper()
		var header []string
		if cookie != "" {
			header = []string{"Cookie", cookie}
		}
		resp, body := do(t, srv, "GET", path, nil, header...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return resp, body
	}
	checkPrivate := func(t *testing.T, resp *http.Response) {
		t.Helper()
		if got := resp.Header.Values("Vary"); !slices.Equal(got, []string{"Cookie"}) {
			t.Errorf("Vary %q, want Cookie", got)
		}
		if got := resp.Header.Values("Cache-Control"); !slices.Equal(got, []string{"private"}) {
			t.Errorf("Cache-Control %q, want private", got)
		}
	}

	for _, order := range []string{"before", "after"} {
		t.Run(order, func(t *testing.T) {
			resp, uid := get(t, "/"+order, "")
			checkUID(t, uid)
			if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(uid)}) {
				t.Errorf("new visitor: Set-Cookie %q, want the new session's", got)
			}
			checkPrivate(t, resp)

			resp, again := get(t, "/"+order, cookieOf(uid))
			if again != uid {
				t.Errorf("second visit: session %s, want %s", again, uid)
			}
			if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("second visit: Set-Cookie %q, want none", got)
			}
			checkPrivate(t, resp)
		})
	}
	for _, order := range []string{"expired", "expired-late"} {
		t.Run(order, func(t *testing.T) {
			_, uid := get(t, "/before", "")
			resp, _ := get(t, "/"+order, cookieOf(uid))
			if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{clearCookie}) {
				t.Errorf("Set-Cookie %q, want the clearing cookie", got)
			}
			checkPrivate(t, resp)
			if live(s, uid) {
				t.Error("the session is still live")
			}
		})
	}
}
