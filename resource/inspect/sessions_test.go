package inspect_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// Cart is a session component, to be seen by its type.
type Cart struct{ Items int }

// visit starts or continues a session, keeps a Cart in it, and asks to
// hear of its end once.
type visit struct{ resource.Leaf }

func (visit) RenderGET(r *request.Request) ([]byte, error) {
	s := r.GetSession()
	if _, ok := session.Get[Cart](s); !ok {
		s.NotifyOnExpire(func() {})
		if err := session.Update(s, nil, func(*Cart) error { return nil }); err != nil {
			return nil, err
		}
	}
	return []byte("ok"), nil
}

// sessionSite is a Site with 20-second sessions, visit at /visit and the
// inspector at /_inspect, for synctest bubbles: requests go straight to
// ServeHTTP, from a loopback address.
func sessionSite() *site.Site {
	root := resource.New()
	root.PutChild("visit", visit{})
	root.PutChild("logout", logout{})
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.Inspector = ins
	s.SessionFactory = session.WithTimeout(20 * time.Second)
	return s
}

// logout ends the visitor's session.
type logout struct{ resource.Leaf }

func (logout) RenderGET(r *request.Request) ([]byte, error) {
	r.GetSession().Expire()
	return []byte("bye"), nil
}

// call serves one GET from a loopback client, with the session cookie if
// uid is set, and returns the recorder.
func call(s *site.Site, path, uid string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = "127.0.0.1:4321"
	if uid != "" {
		req.AddCookie(&http.Cookie{Name: site.DefaultSessionCookieName, Value: uid})
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// sessionRows returns the rows of the live sessions table.
func sessionRows(s *site.Site) []string {
	return lines(call(s, "/_inspect/part/sessions", "").Body.String(), `<tr><td><code>`)
}

// TestSessionsCountDown: a session appears when made, its time left counts
// down on the fake clock, a visit winds it back up, and it leaves the view
// when it ends.
func TestSessionsCountDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sessionSite()
		defer s.Close()
		if rows := sessionRows(s); len(rows) != 0 {
			t.Fatalf("sessions before any visit: %q", rows)
		}
		rec := call(s, "/visit", "")
		uid := rec.Result().Cookies()[0].Value
		short := uid[:8] + "…"
		want := func(row string) {
			t.Helper()
			if rows := sessionRows(s); !slices.Equal(rows, []string{row}) {
				t.Fatalf("at %v: sessions %q, want %q", time.Now().Format(time.TimeOnly), rows, row)
			}
		}
		want(short + " 20s 0s ago 0s ago 20s")
		time.Sleep(7 * time.Second)
		want(short + " 13s 7s ago 7s ago 20s")
		call(s, "/visit", uid)
		want(short + " 20s 0s ago 7s ago 20s")
		time.Sleep(19*time.Second + 500*time.Millisecond)
		want(short + " 500ms 19.5s ago 26.5s ago 20s")
		if !strings.Contains(call(s, "/_inspect/part/sessions", "").Body.String(), `data-left-ms="500"`) {
			t.Errorf("the row does not carry the time left for the script")
		}
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		if rows := sessionRows(s); len(rows) != 0 {
			t.Fatalf("sessions after the timeout: %q", rows)
		}
	})
}
