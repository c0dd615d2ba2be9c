package template_test

import (
	"bufio"
	"errors"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	webtemplate "github.com/gotwisted/web/resource/template"
	"github.com/gotwisted/web/site"
)

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"fail": func(s string) (string, error) {
		if s == "fail" {
			return "", errors.New("kaboom <b>")
		}
		return s, nil
	},
}).Parse(`<p>Hello, {{.Name}}!</p>{{range .Items}}<i>{{.}}</i>{{end}}<p>{{fail .Name}}</p>` +
	`{{define "other"}}<b>{{.Name}}</b>{{end}}`))

type page struct {
	Name  string
	Items []string
}

func data(r *request.Request) (any, error) {
	switch name := r.Arg("name"); name {
	case "denied":
		return nil, &request.StatusError{Code: http.StatusForbidden, Err: errors.New("no")}
	default:
		n := 3
		if r.Arg("big") != "" {
			n = 10_000
		}
		return page{Name: name, Items: make([]string, n)}, nil
	}
}

func TestRender(t *testing.T) {
	root := resource.New()
	root.PutChild("page", webtemplate.New(tmpl, data))
	streamed := webtemplate.New(tmpl, data)
	streamed.Stream = true
	root.PutChild("stream", streamed)
	other := webtemplate.New(tmpl, data)
	other.Name = "other"
	root.PutChild("other", other)
	root.PutChild("nodata", webtemplate.New(template.Must(template.New("x").Parse(`[{{.}}]`)), nil))

	tests := []struct {
		name, method, target string
		tracebacks           bool
		code                 int
		want                 string // substring of the body; "" means an empty body
		notWant              string
		chunked              bool
	}{
		{"ok", "GET", "/page?name=%3Cbob%3E", false, 200, "<p>Hello, &lt;bob&gt;!</p><i></i><i></i><i></i><p>&lt;bob&gt;</p>", "", false},
		{"head", "HEAD", "/page?name=bob", false, 200, "", "", false},
		{"named", "GET", "/other?name=al", false, 200, "<b>al</b>", "Hello", false},
		{"nil data", "GET", "/nodata", false, 200, "[]", "", false},
		{"error", "GET", "/page?name=fail", false, 500, "Processing Failed", "Hello", false},
		{"error traceback", "GET", "/page?name=fail", true, 500, "kaboom &lt;b&gt;", "Hello", false},
		{"data status", "GET", "/page?name=denied", false, 403, "Forbidden", "", false},
		{"not a leaf", "GET", "/page/x", false, 404, "No Such Resource", "", false},
		{"post", "POST", "/page", false, 405, "Method Not Allowed", "", false},
		// A small streamed page is coalesced: it goes out whole, with a
		// Content-Length.
		{"stream ok", "GET", "/stream?name=bob", false, 200, "<p>Hello, bob!</p>", "", false},
		// Once it wrote, a streamed page ends with Twisted's notice.
		{"stream early error", "GET", "/stream?name=fail", false, 200,
			`<i></i><p><div style="font-size:800%;background-color:#FFF;color:#F00">An error occurred while rendering the response.</div>`, "kaboom", false},
		{"stream late error", "GET", "/stream?name=fail&big=1", false, 200,
			`<i></i><p><div style="font-size:800%;background-color:#FFF;color:#F00">An error occurred while rendering the response.</div>`, "kaboom", true},
		{"stream late error traceback", "GET", "/stream?name=fail&big=1", true, 200, "kaboom &lt;b&gt;", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.DisplayTracebacks = tt.tracebacks })
			resp, body := testutil.Do(t, srv, tt.method, tt.target, nil)
			if resp.StatusCode != tt.code {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.want == "" && body != "" || !strings.Contains(body, tt.want) {
				t.Errorf("body = %.300q, want it to contain %q", body, tt.want)
			}
			if tt.notWant != "" && strings.Contains(body, tt.notWant) {
				t.Errorf("body = %.300q, should not contain %q", body, tt.notWant)
			}
			if tt.code == 200 {
				if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
				if chunked := resp.ContentLength < 0; chunked != tt.chunked {
					t.Errorf("Content-Length = %d, chunked want %v", resp.ContentLength, tt.chunked)
				}
			}
		})
	}
}

// A streamed page reaches the client before the template has finished.
func TestStreamIsIncremental(t *testing.T) {
	release := make(chan struct{})
	tm := template.Must(template.New("s").Funcs(template.FuncMap{
		"wait": func() string { <-release; return "end" },
	}).Parse(`{{.}}{{wait}}`))
	res := webtemplate.New(tm, func(*request.Request) (any, error) { return strings.Repeat("a", 20_000), nil })
	res.Stream = true
	root := resource.New()
	root.PutChild("s", res)
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	resp, err := http.Get(srv.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first := make([]byte, 8<<10)
	if _, err := io.ReadFull(br, first); err != nil {
		t.Fatalf("reading the first part while the template waits: %v", err)
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if got := len(first) + len(rest); got != 20_003 || !strings.HasSuffix(string(rest), "end") {
		t.Errorf("got %d bytes ending %q", got, rest[len(rest)-3:])
	}
}

// The data function decides the Content-Type: one it sets is kept, and a
// nil value, the framework's way of saying "send none", sends none.
func TestDataSetsContentType(t *testing.T) {
	tm := template.Must(template.New("t").Parse(`<p>{{.}}</p>`))
	withType := func(v []string) webtemplate.DataFunc {
		return func(r *request.Request) (any, error) {
			r.ResponseHeader()["Content-Type"] = v
			return "x", nil
		}
	}
	root := resource.New()
	root.PutChild("xhtml", webtemplate.New(tm, withType([]string{"application/xhtml+xml"})))
	root.PutChild("none", webtemplate.New(tm, withType(nil)))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	tests := []struct {
		target string
		want   []string
	}{
		{"/xhtml", []string{"application/xhtml+xml"}},
		{"/none", nil},
	}
	for _, tt := range tests {
		resp, body := testutil.Do(t, srv, "GET", tt.target, nil)
		if got := resp.Header.Values("Content-Type"); resp.StatusCode != 200 || body != "<p>x</p>" || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %d %q, Content-Type %q; want 200, %q", tt.target, resp.StatusCode, body, got, tt.want)
		}
	}
}
