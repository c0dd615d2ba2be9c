package inspect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ws "github.com/coder/websocket"
	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/resource/router"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

// later answers after its render method returned NotDoneYet.
type later struct{ resource.Leaf }

func (later) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		r.SetResponseCode(http.StatusAccepted)
		r.Write([]byte("later"))
		r.Finish()
	}()
	return nil, resource.NotDoneYet
}

// boom panics in its render method.
type boom struct{ resource.Leaf }

func (boom) RenderGET(*request.Request) ([]byte, error) { panic("boom") }

func stepsRoot() *resource.Base {
	root := resource.New()
	root.PutChild("", page{})
	root.PutChild("about", page{})
	root.PutChild("dyn", &dynamic{})
	root.PutChild("later", later{})
	root.PutChild("boom", boom{})
	rt := router.New()
	rt.GET("/users/:name", func(*request.Request, router.Params) ([]byte, error) { return []byte("user"), nil })
	root.PutChild("api", rt)
	return root
}

// firstLine matches the first line of a block: the request, its status and
// the time it took.
var firstLine = regexp.MustCompile(`^(\S+ \S+ → [^\n]*) in [0-9.]+ (µs|ms|s)\n`)

// TestRequestSteps: the steps of known requests, in the requests view and
// on the Log, as traversal recorded them.
func TestRequestSteps(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		block        string // the Log's message, the time taken left out
	}{
		{"GET", "/", `GET / → 200 OK
   start: prepath [], postpath [""]
   1. "" → inspect_test.page (static child); prepath [""], postpath []
   answered by RenderGET of inspect_test.page`},
		{"GET", "/about", `GET /about → 200 OK
   start: prepath [], postpath ["about"]
   1. "about" → inspect_test.page (static child); prepath ["about"], postpath []
   answered by RenderGET of inspect_test.page`},
		{"GET", "/dyn/x", `GET /dyn/x → 200 OK
   start: prepath [], postpath ["dyn", "x"]
   1. "dyn" → *inspect_test.dynamic (static child); prepath ["dyn"], postpath ["x"]
   2. "x" → inspect_test.page (GetChild); prepath ["dyn", "x"], postpath []
   answered by RenderGET of inspect_test.page`},
		{"GET", "/nope/a", `GET /nope/a → 404 Not Found
   start: prepath [], postpath ["nope", "a"]
   1. "nope" → *resource.Page (not found); prepath ["nope"], postpath ["a"]
   2. "a" → *resource.Page (static child); prepath ["nope", "a"], postpath []
   answered by Render of *resource.Page`},
		{"GET", "/dyn/nope", `GET /dyn/nope → 404 Not Found
   start: prepath [], postpath ["dyn", "nope"]
   1. "dyn" → *inspect_test.dynamic (static child); prepath ["dyn"], postpath ["nope"]
   2. "nope" → *resource.Page (not found); prepath ["dyn", "nope"], postpath []
   answered by Render of *resource.Page`},
		{"GET", "/about/more/stuff", `GET /about/more/stuff → 200 OK
   start: prepath [], postpath ["about", "more", "stuff"]
   1. "about" → inspect_test.page (static child); prepath ["about"], postpath ["more", "stuff"]
   2. "more" → inspect_test.page (leaf: stops here); prepath ["about"], postpath ["more", "stuff"]
   answered by RenderGET of inspect_test.page`},
		{"GET", "/api/users/bob", `GET /api/users/bob → 200 OK
   start: prepath [], postpath ["api", "users", "bob"]
   1. "api" → *router.Router (static child); prepath ["api"], postpath ["users", "bob"]
   2. "users" → *router.Router (leaf: stops here); prepath ["api"], postpath ["users", "bob"]
   answered by Render of *router.Router`},
		{"GET", "/dyn/fail", `GET /dyn/fail → 500 Internal Server Error
   start: prepath [], postpath ["dyn", "fail"]
   1. "dyn" → *inspect_test.dynamic (static child); prepath ["dyn"], postpath ["fail"]
   2. "fail" → nothing (GetChild failed); prepath ["dyn", "fail"], postpath []
   traversal failed: the failure page`},
		{"GET", "/boom", `GET /boom → 500 Internal Server Error
   start: prepath [], postpath ["boom"]
   1. "boom" → inspect_test.boom (static child); prepath ["boom"], postpath []
   answered by RenderGET of inspect_test.boom, which failed: the failure page`},
		{"HEAD", "/about", `HEAD /about → 200 OK
   start: prepath [], postpath ["about"]
   1. "about" → inspect_test.page (static child); prepath ["about"], postpath []
   answered by RenderGET (for HEAD) of inspect_test.page`},
		{"POST", "/about", `POST /about → 405 Method Not Allowed
   start: prepath [], postpath ["about"]
   1. "about" → inspect_test.page (static child); prepath ["about"], postpath []
   answered by 405 Method Not Allowed of inspect_test.page`},
		{"GET", "/later", `GET /later → 202 Accepted
   start: prepath [], postpath ["later"]
   1. "later" → inspect_test.later (static child); prepath ["later"], postpath []
   answered by RenderGET of inspect_test.later; it returned NotDoneYet and finished later`},
		{"GET", "/about?token=SECRET", `GET /about?… → 200 OK
   start: prepath [], postpath ["about"]
   1. "about" → inspect_test.page (static child); prepath ["about"], postpath []
   answered by RenderGET of inspect_test.page`},
		{"GET", "/a%2Fb/%20", `GET /a%2Fb/%20 → 404 Not Found
   start: prepath [], postpath ["a/b", " "]
   1. "a/b" → *resource.Page (not found); prepath ["a/b"], postpath [" "]
   2. " " → *resource.Page (static child); prepath ["a/b", " "], postpath []
   answered by Render of *resource.Page`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			s := serve(t, stepsRoot(), func(s *site.Site, _ *inspect.Inspector) { testutil.Quiet(s) })
			s.do(t, tc.method, tc.path, nil)
			msgs := s.log.messages()
			if len(msgs) != 1 {
				t.Fatalf("%d records, want 1: %q", len(msgs), msgs)
			}
			got := firstLine.ReplaceAllString(msgs[0], "$1\n")
			if got != tc.block {
				t.Errorf("the Log's block:\n%s\nwant:\n%s", got, tc.block)
			}
			// The requests view shows the same steps as rows.
			view := s.view(t, "requests")
			rows := lines(view, `<tr class=`)
			wantRows := len(strings.Split(tc.block, "\n")) - 2 // the start row and the steps
			if len(rows) != wantRows {
				t.Errorf("%d rows in the requests view, want %d: %q", len(rows), wantRows, rows)
			}
			_, render, _ := strings.Cut(tc.block[strings.LastIndexByte(tc.block, '\n')+1:], "   ")
			if !slices.Contains(lines(view, `<p class="render">`), render) {
				t.Errorf("the requests view does not say %q:\n%s", render, view)
			}
		})
	}
}

// TestRequestsNewestFirst: the view keeps the latest RecentRequests
// requests, newest first, and none of those to the inspector itself.
func TestRequestsNewestFirst(t *testing.T) {
	s := serve(t, stepsRoot(), func(_ *site.Site, ins *inspect.Inspector) { ins.RecentRequests = 3 })
	for _, p := range []string{"/about", "/dyn/a", "/dyn/b", "/_inspect/", "/dyn/c", "/dyn/d"} {
		s.get(t, p)
	}
	paths := lines(s.view(t, "requests"), `<code class="path">`)
	for i, p := range paths {
		paths[i], _, _ = strings.Cut(p, " →")
	}
	if want := []string{"/dyn/d", "/dyn/c", "/dyn/b"}; !slices.Equal(paths, want) {
		t.Errorf("requests shown: %q, want %q", paths, want)
	}
}

// TestLongPath: a path of many segments costs the inspector a bounded
// number of steps, and no prepath or postpath lists.
func TestLongPath(t *testing.T) {
	s := serve(t, stepsRoot())
	path := "/nope" + strings.Repeat("/x", 5000)
	start := time.Now()
	resp, _ := s.get(t, path)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET a long path: %s", resp.Status)
	}
	msgs := s.log.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d records, want 1", len(msgs))
	}
	block := msgs[0]
	if n := strings.Count(block, "\n"); n != 64+2 {
		t.Errorf("the block has %d lines, want 64 steps, the note and the render line:\n%s", n+1, block)
	}
	if !strings.Contains(block, "… 4937 more steps") || strings.Contains(block, "prepath") {
		t.Errorf("the block of a long path:\n%s", block)
	}
	t.Logf("GET with 5,001 segments: %v", time.Since(start))
}

// greet is a WebSocket protocol that says hello.
type greet struct{ websocket.BaseProtocol }

func (*greet) NegotiationStarted(t *websocket.Transport) { _ = t.SendTextMessage("hello") }

// TestRequestEnds: a response that did not finish is shown as it ended,
// with the status its client got: abandoned when its client went away,
// cut by its resource, cut short by the Site's close, or taken over by a
// WebSocket. (Each was shown as "200 OK", finished later.)
func TestRequestEnds(t *testing.T) {
	const deferred = "   1. %q → *testutil.Deferred (static child); prepath [%[1]q], postpath []\n" +
		"   answered by RenderGET of *testutil.Deferred; it returned NotDoneYet"
	for _, tc := range []struct {
		name  string
		first string // the block's first line, the time left out
		then  string // the end of its render line
		run   func(t *testing.T, s *served, reqs <-chan *request.Request)
	}{
		{"gone", "GET /gone → nothing sent", ", and the client went away before it finished",
			func(t *testing.T, s *served, reqs <-chan *request.Request) {
				ctx, cancel := context.WithCancel(context.Background())
				go func() { <-reqs; cancel() }()
				req, _ := http.NewRequestWithContext(ctx, "GET", s.srv.URL+"/gone", nil)
				if resp, err := s.srv.Client().Do(req); err == nil {
					resp.Body.Close()
				}
			}},
		{"streamed", "GET /streamed → 200 OK", ", and the client went away before it finished",
			func(t *testing.T, s *served, reqs <-chan *request.Request) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() {
					r := <-reqs
					_, _ = r.Write([]byte("part"))
				}()
				req, _ := http.NewRequestWithContext(ctx, "GET", s.srv.URL+"/streamed", nil)
				resp, err := s.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.ReadFull(resp.Body, make([]byte, 4))
				cancel()
				resp.Body.Close()
			}},
		{"abort", "GET /abort → nothing sent", ", then abandoned the response: the connection was cut",
			func(t *testing.T, s *served, reqs <-chan *request.Request) {
				go func() { (<-reqs).Abort(errors.New("the database is down")) }()
				if resp, err := s.srv.Client().Get(s.srv.URL + "/abort"); err == nil {
					resp.Body.Close()
					t.Error("an aborted response reached its client")
				}
			}},
		{"close", "GET /close → 503 Service Unavailable", ", and the Site closed before it finished",
			func(t *testing.T, s *served, reqs <-chan *request.Request) {
				go func() { <-reqs; s.site.Close() }()
				if resp, _ := s.get(t, "/close"); resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("the client got %s, want 503", resp.Status)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := resource.New()
			d := testutil.NewDeferred()
			root.PutChild(tc.name, d)
			s := serve(t, root, func(s *site.Site, _ *inspect.Inspector) { testutil.Quiet(s) })
			tc.run(t, s, d.Reqs)
			testutil.Eventually(t, "the request is recorded", func() bool { return len(s.log.messages()) == 1 })
			want := tc.first + "\n   start: prepath [], postpath [\"" + tc.name + "\"]\n" + fmt.Sprintf(deferred, tc.name) + tc.then
			if got := firstLine.ReplaceAllString(s.log.messages()[0], "$1\n"); got != want {
				t.Errorf("the Log's block:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	t.Run("websocket", func(t *testing.T) {
		root := resource.New()
		root.PutChild("ws", websocket.New(func(*request.Request) (websocket.Protocol, error) { return &greet{}, nil }))
		s := serve(t, root)
		c, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(s.srv.URL, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, msg, err := c.Read(context.Background()); err != nil || string(msg) != "hello" {
			t.Errorf("read %q, %v", msg, err)
		}
		c.Close(ws.StatusNormalClosure, "")
		testutil.Eventually(t, "the request is recorded", func() bool { return len(s.log.messages()) == 1 })
		want := `GET /ws → 101 Switching Protocols
   start: prepath [], postpath ["ws"]
   1. "ws" → *websocket.Resource (static child); prepath ["ws"], postpath []
   answered by RenderGET of *websocket.Resource; it returned NotDoneYet and took the connection over (hijacked): ` +
			`the time is the handshake's`
		if got := firstLine.ReplaceAllString(s.log.messages()[0], "$1\n"); got != want {
			t.Errorf("the Log's block:\n%s\nwant:\n%s", got, want)
		}
	})
}
