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

// sessionSite is a Site with 20-second sessions, visit at /visit, logout
// at /logout and the inspector at /_inspect, configured, for synctest
// bubbles: requests go straight to ServeHTTP, from a loopback address.
func sessionSite(configure ...func(*site.Site)) *site.Site {
	root := resource.New()
	root.PutChild("visit", visit{})
	root.PutChild("logout", logout{})
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	s := site.New(root)
	s.Inspector = ins
	s.SessionFactory = session.WithTimeout(20 * time.Second)
	for _, f := range configure {
		f(s)
	}
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
	req := httptest.NewRequest("GET", "http://localhost"+path, nil)
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

// endingRows returns the rows of the recent endings table.
func endingRows(s *site.Site) []string {
	return lines(call(s, "/_inspect/part/sessions", "").Body.String(), `<tr class="ending">`)
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
		want(short + " 20s 0s ago 0s ago 20s inspect_test.Cart 1")
		time.Sleep(7 * time.Second)
		want(short + " 13s 7s ago 7s ago 20s inspect_test.Cart 1")
		call(s, "/visit", uid)
		want(short + " 20s 0s ago 7s ago 20s inspect_test.Cart 1")
		time.Sleep(19*time.Second + 500*time.Millisecond)
		want(short + " 500ms 19.5s ago 26.5s ago 20s inspect_test.Cart 1")
		if !strings.Contains(call(s, "/_inspect/part/sessions", "").Body.String(), `data-left-ms="500"`) {
			t.Errorf("the row does not carry the time left for the script")
		}
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		if rows := sessionRows(s); len(rows) != 0 {
			t.Fatalf("sessions after the timeout: %q", rows)
		}
		if rows, want := endingRows(s), []string{short + " 0s ago timeout inspect_test.Cart 1"}; !slices.Equal(rows, want) {
			t.Fatalf("endings: %q, want %q", rows, want)
		}
		time.Sleep(3 * time.Second)
		if rows, want := endingRows(s), []string{short + " 3s ago timeout inspect_test.Cart 1"}; !slices.Equal(rows, want) {
			t.Fatalf("endings 3s later: %q, want %q", rows, want)
		}
	})
}

// TestSessionEndings: each way a session ends is told apart, newest first,
// with the callbacks that ran; the view keeps the latest RecentEndings.
func TestSessionEndings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sessionSite(func(s *site.Site) {
			s.MaxSessions = 2
			s.SessionFactory = session.WithLifetime(20*time.Second, 30*time.Second)
			s.Inspector.RecentEndings = 3
		})
		defer s.Close()
		uidOf := func(rec *httptest.ResponseRecorder) string { return rec.Result().Cookies()[0].Value[:8] + "…" }

		// A session that keeps being used lives out its lifetime.
		lived := call(s, "/visit", "")
		luid := lived.Result().Cookies()[0].Value
		for range 2 {
			time.Sleep(10 * time.Second)
			call(s, "/visit", luid)
		}
		time.Sleep(10 * time.Second) // 30s after it was made, 10s after its last use
		synctest.Wait()
		// One that logs out ends at once; its callback runs.
		out := call(s, "/visit", "")
		call(s, "/logout", out.Result().Cookies()[0].Value)
		// A third and a fourth fill the store; a fifth evicts the third,
		// which was never used again.
		third := call(s, "/visit", "")
		time.Sleep(time.Second) // the third ends first, so it goes first
		call(s, "/visit", "")
		call(s, "/visit", "")
		want := []string{
			uidOf(third) + " 0s ago evicted inspect_test.Cart 1",
			uidOf(out) + " 1s ago Expire inspect_test.Cart 1",
			luid[:8] + "… 1s ago lifetime inspect_test.Cart 1",
		}
		if rows := endingRows(s); !slices.Equal(rows, want) {
			t.Errorf("endings:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		// Two more endings push the oldest out.
		time.Sleep(20 * time.Second)
		synctest.Wait()
		rows := endingRows(s)
		if len(rows) != 3 || !strings.HasSuffix(rows[0], " 0s ago timeout inspect_test.Cart 1") ||
			!strings.HasSuffix(rows[1], " 0s ago timeout inspect_test.Cart 1") ||
			rows[2] != uidOf(third)+" 20s ago evicted inspect_test.Cart 1" {
			t.Errorf("endings after a timeout:\n%s", strings.Join(rows, "\n"))
		}
	})
}

// TestSessionsBounded: the view shows the 200 sessions nearest their end,
// and beyond 10,000 only how many there are.
func TestSessionsBounded(t *testing.T) {
	s := sessionSite()
	defer s.Close()
	for range 250 {
		if _, err := s.MakeSession(); err != nil {
			t.Fatal(err)
		}
	}
	page := call(s, "/_inspect/part/sessions", "").Body.String()
	if rows := sessionRows(s); len(rows) != 200 || !strings.Contains(page, "50 more sessions: not shown") {
		t.Errorf("250 sessions: %d rows shown", len(rows))
	}
	for range 10000 - 250 + 1 {
		if _, err := s.MakeSession(); err != nil {
			t.Fatal(err)
		}
	}
	page = call(s, "/_inspect/part/sessions", "").Body.String()
	if rows := sessionRows(s); len(rows) != 0 || !strings.Contains(page, "10001 live sessions: too many to list.") {
		t.Errorf("10,001 sessions: %d rows shown, page:\n%s", len(rows), page)
	}
}
