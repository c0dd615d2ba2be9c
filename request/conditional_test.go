package request_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// cond is a resource last modified at lastMod with ETag "abc"; the query
// picks which validator it sets.
type cond struct{ resource.Leaf }

var lastMod = time.Date(2026, 11, 22, 3, 57, 29, 500, time.UTC) // rounded up to :30

func (cond) Render(r *request.Request) ([]byte, error) {
	if r.Arg("type") != "" {
		r.SetHeader("Content-Type", r.Arg("type"))
	}
	cached := false
	if r.Arg("etag") != "" {
		cached = r.SetETag(`"abc"`)
	} else {
		cached = r.SetLastModified(lastMod)
	}
	if cached {
		return nil, nil
	}
	return []byte("correct"), nil
}

func TestConditional(t *testing.T) {
	_, srv := testutil.Serve(t, cond{})
	tests := []struct {
		name, method, query, header, value string
		code                               int
		body, ctype                        string
	}{
		{"modified", "GET", "", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:29 GMT", 200, "correct", "text/html"},
		{"unmodified", "GET", "", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT", 304, "", ""},
		{"unmodified later", "GET", "", "If-Modified-Since", "Mon, 23 Nov 2026 00:00:00 GMT", 304, "", ""},
		{"invalid timestamp", "GET", "", "If-Modified-Since", "like, maybe a week ago, I guess?", 200, "correct", "text/html"},
		{"invalid year", "GET", "", "If-Modified-Since", "Sun, 22 Nov 20xx 03:57:30 GMT", 200, "correct", "text/html"},
		{"too long ago", "GET", "", "If-Modified-Since", "Tue, 01 Jan 1901 00:00:00 GMT", 200, "correct", "text/html"},
		{"invalid month", "GET", "", "If-Modified-Since", "Sun, 22 Brumaire 2026 03:57:30 GMT", 200, "correct", "text/html"},
		{"etag matched", "GET", "?etag=1", "If-None-Match", `"abc"`, 304, "", ""},
		{"etag in list", "GET", "?etag=1", "If-None-Match", `"x", "abc"`, 304, "", ""},
		{"etag star", "GET", "?etag=1", "If-None-Match", `*`, 304, "", ""},
		{"etag mismatch", "GET", "?etag=1", "If-None-Match", `"abd"`, 200, "correct", "text/html"},
		{"etag HEAD", "HEAD", "?etag=1", "If-None-Match", `"abc"`, 304, "", ""},
		{"etag POST", "POST", "?etag=1", "If-None-Match", `"abc"`, 412, "", ""},
		{"etag PUT star", "PUT", "?etag=1", "If-None-Match", `*`, 412, "", ""},
		{"explicit type modified", "GET", "?type=text/plain", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:29 GMT", 200, "correct", "text/plain"},
		// Twisted keeps an explicit Content-Type on a 304; net/http removes
		// it from every 304 (RFC 9110 §15.4.5). TestConditionalRecorder
		// shows that the framework itself keeps it.
		{"explicit type unmodified", "GET", "?type=text/plain", "If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT", 304, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := testutil.Do(t, srv, tt.method, "/"+tt.query, nil, tt.header, tt.value)
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("%d %q Content-Type %q; want %d %q %q", resp.StatusCode, body,
					resp.Header.Get("Content-Type"), tt.code, tt.body, tt.ctype)
			}
			if tt.query == "?etag=1" {
				if got := resp.Header.Get("ETag"); got != `"abc"` {
					t.Errorf("ETag %q", got)
				}
			} else if got := resp.Header.Get("Last-Modified"); got != "Sun, 22 Nov 2026 03:57:30 GMT" {
				t.Errorf("Last-Modified %q", got)
			}
		})
	}
}

// TestConditionalRecorder serves a 304 into a ResponseRecorder, which shows
// the headers the framework wrote before net/http's own 304 rules apply.
func TestConditionalRecorder(t *testing.T) {
	s := site.New(cond{})
	defer s.Close()
	for _, tt := range []struct{ query, ctype string }{{"", ""}, {"?type=text/plain", "text/plain"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/"+tt.query, nil)
		req.Header.Set("If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT")
		s.ServeHTTP(rec, req)
		if rec.Code != 304 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != tt.ctype {
			t.Errorf("%q: %d %q Content-Type %q, want 304, empty, %q", tt.query, rec.Code, rec.Body, rec.Header().Get("Content-Type"), tt.ctype)
		}
	}
}

// conditional sets an ETag and a Last-Modified time.
type conditional struct{ resource.Leaf }

var lastChange = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (conditional) render(r *request.Request) ([]byte, error) {
	if r.SetETag(`W/"v2"`) || r.SetLastModified(lastChange) {
		return nil, nil
	}
	return []byte("fresh"), nil
}

func (c conditional) RenderGET(r *request.Request) ([]byte, error)  { return c.render(r) }
func (c conditional) RenderPOST(r *request.Request) ([]byte, error) { return c.render(r) }

func TestConditionalRFC9110(t *testing.T) {
	_, srv := testutil.Serve(t, conditional{})
	later := lastChange.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name, method string
		header       []string
		code         int
	}{
		{"If-Modified-Since alone", "GET", []string{"If-Modified-Since", later}, 304},
		{"If-None-Match wins over If-Modified-Since", "GET", []string{"If-None-Match", `"v1"`, "If-Modified-Since", later}, 200},
		{"weak comparison", "GET", []string{"If-None-Match", `"v2"`}, 304},
		{"POST ignores If-Modified-Since", "POST", []string{"If-Modified-Since", later}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := testutil.Do(t, srv, tt.method, "/", nil, tt.header...)
			if resp.StatusCode != tt.code {
				t.Errorf("%d, want %d", resp.StatusCode, tt.code)
			}
		})
	}
}

// anyTag sets the ETag its query gives.
type anyTag struct{ resource.Leaf }

func (anyTag) RenderGET(r *request.Request) ([]byte, error) {
	if r.SetETag(r.Arg("etag")) {
		return nil, nil
	}
	return []byte("fresh"), nil
}

// An entity tag may hold commas (RFC 9110 §8.8.3: etagc is any visible
// character but DQUOTE), so If-None-Match is split at the commas between
// tags, not at those inside one. Unquoted tags, which Twisted's own tests
// use, are still split at commas and blanks.
func TestIfNoneMatchList(t *testing.T) {
	_, srv := testutil.Serve(t, anyTag{})
	tests := []struct {
		etag, inm string
		code      int
	}{
		{`"a,b"`, `"a,b"`, 304},
		{`"a,b"`, `"x", "a,b"`, 304},
		{`"a,b"`, `W/"a,b",W/"y"`, 304},
		{`W/"a,b"`, `"a,b"`, 304},
		{`"a,b"`, `"a"`, 200},
		{`"a,b"`, `"a", b"`, 200},
		{`"a"`, `"a,b"`, 200},
		{`"b"`, `"a,b"`, 200},
		{`"a b"`, `"a b"`, 304},
		{`"a"`, `"x","a"`, 304},
		{`"a"`, "\"x\"\t,  \"a\" ", 304},
		{`"a"`, `"x"  "a"`, 304},
		{`"a"`, `"unterminated, "a"`, 200},
		{`"a"`, `"x", *`, 304},
		{`"a"`, `*x`, 200},
		{`MatchingTag`, `MatchingTag`, 304},
		{`MatchingTag`, `Other MatchingTag`, 304},
		{`MatchingTag`, `Other,MatchingTag`, 304},
		{`MatchingTag`, `Matching`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.etag+" "+tt.inm, func(t *testing.T) {
			resp, _ := testutil.Do(t, srv, "GET", "/?etag="+url.QueryEscape(tt.etag), nil, "If-None-Match", tt.inm)
			if resp.StatusCode != tt.code {
				t.Errorf("ETag %s, If-None-Match %s: %d, want %d", tt.etag, tt.inm, resp.StatusCode, tt.code)
			}
		})
	}
}
