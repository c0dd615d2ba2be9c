package inspect_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

// served is a Site over a test's tree, with an Inspector mounted at
// /_inspect and attached, behind a real HTTP server.
type served struct {
	site *site.Site
	srv  *httptest.Server
	ins  *inspect.Inspector
	log  *records // what the Inspector's Log received
}

// serve mounts a new Inspector under root as _inspect, attaches it to a
// new Site over root, configured, and serves the Site until the test ends.
func serve(t *testing.T, root resource.Resource, configure ...func(*site.Site, *inspect.Inspector)) *served {
	t.Helper()
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	recs := new(records)
	ins.Log = slog.New(recs)
	s, srv := testutil.Serve(t, root, func(s *site.Site) {
		s.Inspector = ins
		for _, f := range configure {
			f(s, ins)
		}
	})
	return &served{site: s, srv: srv, ins: ins, log: recs}
}

// records is a slog.Handler that keeps the records it is given.
type records struct {
	mu   sync.Mutex
	list []slog.Record
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }

func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, r.Clone())
	return nil
}

// attr returns the value of the attribute key of the i-th record.
func (h *records) attr(i int, key string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var v string
	h.list[i].Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
		}
		return true
	})
	return v
}

func slogNew(h slog.Handler) *slog.Logger { return slog.New(h) }

// messages returns the messages of the records kept.
func (h *records) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.list {
		out = append(out, r.Message)
	}
	return out
}

// do sends a request with the given header lines ("Name", "value", ...)
// and returns the response with its body.
func (s *served) do(t *testing.T, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	return testutil.Do(t, s.srv, method, path, body, header...)
}

// get is do for GET with no body.
func (s *served) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil, header...)
}

// view returns the inspector's named view, as its script fetches it.
func (s *served) view(t *testing.T, name string) string {
	t.Helper()
	resp, body := s.get(t, "/_inspect/part/"+name)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_inspect/part/%s: %s\n%s", name, resp.Status, body)
	}
	return body
}

var (
	tags   = regexp.MustCompile(`<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// lines returns the text of the elements of page whose opening tag starts
// with open, one per line of the page, tags removed, entities decoded and
// spaces collapsed: what a reader sees of each tree node or table row.
func lines(page, open string) []string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if !strings.Contains(l, open) {
			continue
		}
		l = l[strings.Index(l, open):]
		l = tags.ReplaceAllString(l, " ")
		l = spaces.ReplaceAllString(html.UnescapeString(l), " ")
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// page is a leaf that renders a fixed body for GET.
type page struct{ resource.Leaf }

func (page) RenderGET(*request.Request) ([]byte, error) { return []byte("page"), nil }

// dynamic makes a page for any name but "nope" (404) and "fail" (an error).
type dynamic struct{ resource.Base }

func (*dynamic) GetChild(name string, _ *request.Request) (resource.Resource, error) {
	switch name {
	case "nope":
		return nil, nil
	case "fail":
		return nil, io.ErrUnexpectedEOF
	}
	return page{}, nil
}
