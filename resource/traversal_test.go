package resource_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// dynamic has one static child, "static", and makes any other child whose
// name is a number; "boom" fails.
type dynamic struct{ resource.Base }

func (d *dynamic) GetChild(name string, r *request.Request) (resource.Resource, error) {
	if name == "boom" {
		return nil, errors.New("no boom here")
	}
	if pre := r.Prepath(); pre[len(pre)-1] != name {
		return nil, errors.New("prepath does not end with the child's name")
	}
	if _, err := strconv.Atoi(name); err != nil {
		return nil, nil
	}
	return testutil.Page("dynamic " + name), nil
}

// nonleafPaths is testutil.Paths, but not a leaf.
type nonleafPaths struct{ resource.Base }

func (*nonleafPaths) RenderGET(r *request.Request) ([]byte, error) {
	return testutil.Paths{}.RenderGET(r)
}

func TestTraversal(t *testing.T) {
	root := resource.New()
	root.PutChild("", testutil.Page("root page"))
	root.PutChild("leaf", testutil.Paths{})
	nonleaf := &nonleafPaths{}
	root.PutChild("nonleaf", nonleaf)
	nonleaf.PutChild("", testutil.Page("nonleaf index"))
	d := &dynamic{}
	d.PutChild("static", testutil.Page("static child"))
	d.PutChild("7", testutil.Page("static seven"))
	root.PutChild("d", d)
	root.PutChild("a b", testutil.Page("space"))
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, root, testutil.LogTo(&log))

	type pp struct{ pre, post []string }
	tests := []struct {
		path string
		code int
		body string // exact body, or
		echo *pp    // the echoed prepath and postpath
	}{
		{path: "/", code: 200, body: "root page"},
		{path: "/leaf", code: 200, echo: &pp{[]string{"leaf"}, []string{}}},
		{path: "/leaf/", code: 200, echo: &pp{[]string{"leaf"}, []string{""}}},
		{path: "/leaf/a/b/?x=1", code: 200, echo: &pp{[]string{"leaf"}, []string{"a", "b", ""}}},
		{path: "/leaf//a%2Fb/%20c", code: 200, echo: &pp{[]string{"leaf"}, []string{"", "a/b", " c"}}},
		{path: "/leaf/a+b", code: 200, echo: &pp{[]string{"leaf"}, []string{"a+b"}}},
		{path: "/nonleaf", code: 200, echo: &pp{[]string{"nonleaf"}, []string{}}},
		{path: "/nonleaf/", code: 200, body: "nonleaf index"},
		{path: "/a%20b", code: 200, body: "space"},
		{path: "/d/static", code: 200, body: "static child"},
		{path: "/d/7", code: 200, body: "static seven"}, // static before dynamic
		{path: "/d/42", code: 200, body: "dynamic 42"},
		{path: "/d/x", code: 404},
		{path: "/d/42/", code: 404},
		{path: "/nope", code: 404},
		{path: "/nope/deeper/x", code: 404},
		{path: "/d/boom", code: 500},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := testutil.Do(t, srv, "GET", tt.path, nil)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.code, body)
			}
			switch {
			case tt.body != "":
				if body != tt.body {
					t.Errorf("body %q, want %q", body, tt.body)
				}
			case tt.echo != nil:
				var got map[string][]string
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got["pre"], tt.echo.pre) || !reflect.DeepEqual(got["post"], tt.echo.post) {
					t.Errorf("prepath %q postpath %q, want %q %q", got["pre"], got["post"], tt.echo.pre, tt.echo.post)
				}
			}
		})
	}
}

func TestLeafRoot(t *testing.T) {
	_, srv := testutil.Serve(t, testutil.Paths{})
	_, body := testutil.Do(t, srv, "GET", "/foo/bar", nil)
	if body != `{"post":["foo","bar"],"pre":[]}` {
		t.Errorf("leaf root: %s", body)
	}
}

func TestPutChildWhileServing(t *testing.T) {
	root := resource.New()
	_, srv := testutil.Serve(t, root)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			root.PutChild("c"+strconv.Itoa(i), testutil.Page("child"))
		}
	}()
	for range 50 {
		testutil.Do(t, srv, "GET", "/c1", nil)
	}
	<-done
	if resp, body := testutil.Do(t, srv, "GET", "/c199", nil); resp.StatusCode != 200 || body != "child" {
		t.Errorf("child added while serving: %d %q", resp.StatusCode, body)
	}
}

// TestPutChildPanics shows the programmer errors PutChild refuses: a nil
// child, and a child for a resource that cannot have one.
func TestPutChildPanics(t *testing.T) {
	tests := []struct {
		name  string
		res   resource.Resource
		child resource.Resource
	}{
		{"nil child", resource.New(), nil},
		{"leaf", testutil.Paths{}, testutil.Page("x")},
		{"error page", resource.NoResource(""), testutil.Page("x")},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				if v, _ := recover().(string); !strings.HasPrefix(v, "resource: PutChild(x") {
					t.Errorf("%s: recover() = %q, want a resource: panic", tt.name, v)
				}
			}()
			tt.res.PutChild("x", tt.child)
		}()
	}
}

// TestChildOfLeafAndPage shows what the ready-made kinds of resource answer
// for a static child: a leaf has none, an error page is its own child.
func TestChildOfLeafAndPage(t *testing.T) {
	if got := (testutil.Paths{}).ChildWithDefault("x", nil); got != nil {
		t.Errorf("a leaf's child: %v", got)
	}
	page := resource.Forbidden("")
	if got := page.ChildWithDefault("x", nil); got != resource.Resource(page) {
		t.Errorf("an error page's child: %v, want the page", got)
	}
}

func TestChildForRequest(t *testing.T) {
	root := resource.New()
	foo := testutil.Paths{}
	root.PutChild("foo", foo)
	tests := []struct {
		target    string
		want      resource.Resource
		pre, post []string
	}{
		{"/foo/bar", foo, []string{"foo"}, []string{"bar"}},
		{"/foo", foo, []string{"foo"}, []string{}},
	}
	for _, tt := range tests {
		r := request.New(nil, httpRequest(t, tt.target), nil)
		got, err := resource.ChildForRequest(root, r)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v", tt.target, got, err)
		}
		if !reflect.DeepEqual(r.Prepath(), tt.pre) || !reflect.DeepEqual(r.Postpath(), tt.post) {
			t.Errorf("%s: prepath %q postpath %q", tt.target, r.Prepath(), r.Postpath())
		}
	}
	// An exhausted postpath returns the starting resource.
	r := request.New(nil, httpRequest(t, "/foo"), nil)
	r.Consume()
	if got, _ := resource.ChildForRequest(root, r); got != resource.Resource(root) {
		t.Errorf("exhausted postpath: got %v", got)
	}
}

func httpRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", "http://example.com"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.RequestURI = target
	return req
}
