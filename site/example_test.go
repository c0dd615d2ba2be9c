package site_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// Counter is per-session state, kept as a session component.
type Counter struct{ Visits int }

// CounterPage counts each visitor's visits.
type CounterPage struct{ resource.Leaf }

func (CounterPage) RenderGET(r *request.Request) ([]byte, error) {
	var n int
	err := session.Update(r.GetSession(), nil, func(c *Counter) error {
		c.Visits++
		n = c.Visits
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "Visit #%d for you!", n), nil
}

// A Site serves a tree and owns its visitors' sessions: GetSession finds
// the visitor's session by its cookie, or makes one.
func ExampleSite() {
	s := site.New(CounterPage{})
	s.SessionFactory = session.WithTimeout(5 * time.Minute)
	defer s.Close()

	var cookie string
	for range 3 {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if c := w.Header().Get("Set-Cookie"); c != "" {
			cookie, _, _ = strings.Cut(c, ";")
		}
		fmt.Println(w.Body.String())
	}
	fmt.Println(s.SessionCount(), "session")
	// Output:
	// Visit #1 for you!
	// Visit #2 for you!
	// Visit #3 for you!
	// 1 session
}
