package site_test

import (
	"net/http"
	"testing"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// uidPage answers with the uid of the visitor's session.
type uidPage struct{ resource.Leaf }

func (uidPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte(r.GetSession().UID()), nil
}

// A cookieless flood that fills MaxSessions many times over does not log
// out a visitor who came back with their cookie (issue 14, attack 5).
func TestSessionFloodKeepsVisitors(t *testing.T) {
	s, srv := serve(t, uidPage{}, func(s *site.Site) { s.MaxSessions = 50 })
	client := srv.Client()
	get := func(cookie *http.Cookie) (string, *http.Cookie) {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var uid [36]byte
		n, _ := resp.Body.Read(uid[:])
		var set *http.Cookie
		for _, c := range resp.Cookies() {
			set = c
		}
		return string(uid[:n]), set
	}
	uid, cookie := get(nil)
	if again, _ := get(cookie); again != uid { // the visitor comes back once
		t.Fatalf("second visit: session %q, want %q", again, uid)
	}
	for range 1000 { // twenty times MaxSessions, no cookies
		get(nil)
	}
	if s.SessionCount() > 50 {
		t.Errorf("%d sessions live, MaxSessions is 50", s.SessionCount())
	}
	if after, set := get(cookie); after != uid || set != nil {
		t.Errorf("after the flood: session %q (new cookie %v), want the visitor's %q", after, set, uid)
	}
}
