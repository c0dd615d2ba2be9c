package inspect_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
	"github.com/gotwisted/web/resource/gzip"
	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/resource/router"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/resource/vhost"
)

// opaque is a user's resource that embeds no framework type: the
// inspector sees it from outside only.
type opaque struct{}

func (opaque) IsLeaf() bool                                                { return false }
func (opaque) ChildWithDefault(string, *request.Request) resource.Resource { return nil }
func (opaque) PutChild(string, resource.Resource)                          {}
func (opaque) RenderPOST(*request.Request) ([]byte, error)                 { return nil, nil }

// TestTreeView: the tree of a known root, with each kind of resource the
// inspector tells apart, cycles and large trees cut.
func TestTreeView(t *testing.T) {
	root := resource.New()
	root.PutChild("", page{})
	root.PutChild("dyn", &dynamic{})

	rt := router.New()
	rt.GET("/users/:name", func(*request.Request, router.Params) ([]byte, error) { return nil, nil })
	rt.POST("/users", func(*request.Request, router.Params) ([]byte, error) { return nil, nil })
	root.PutChild("api", rt)

	orgRoot := resource.New()
	orgRoot.PutChild("about", page{})
	v := vhost.New()
	v.AddHost("Example.ORG", orgRoot)
	v.AddHost("example.com", page{})
	root.PutChild("hosts", v)

	avatar := resource.New()
	avatar.PutChild("secret-child", page{})
	realm := guard.RealmFunc(func(string, *request.Request) (resource.Resource, error) { return avatar, nil })
	root.PutChild("private", guard.New(realm, guard.Passwords{"alice": "pw"}, guard.Basic("the realm"), guard.NewDigest("the realm", nil)))

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "unlisted.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := static.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	files.PutChild("extra", page{})
	root.PutChild("files", files)

	root.PutChild("wsgi", handler.New(http.NotFoundHandler()))
	root.PutChild("zip", gzip.Wrap(page{}))
	root.PutChild("gone", resource.ErrorPage(http.StatusGone, "Gone", "gone"))
	root.PutChild("opaque", opaque{})

	loop := resource.New()
	loop.PutChild("back", root) // a cycle
	root.PutChild("loop", loop)

	big := resource.New()
	for i := range 150 {
		big.PutChild("c"+strconv.Itoa(i), page{})
	}
	root.PutChild("big", big)

	deep := resource.New()
	root.PutChild("deep", deep)
	for range 40 {
		next := resource.New()
		deep.PutChild("d", next)
		deep = next
	}

	s := serve(t, root)
	nodes := lines(s.view(t, "tree"), `<div class="node">`)
	for _, want := range []string{
		`root / *resource.Base OPTIONS`,
		`"" / inspect_test.page leaf GET HEAD OPTIONS`,
		`"dyn" /dyn *inspect_test.dynamic GetChild OPTIONS`,
		`"api" /api *router.Router router leaf every method (Render) GET /users/:name POST /users`,
		`"hosts" /hosts *vhost.NameVirtualHost virtual host every method (Render) no default: other hosts get 404`,
		`host example.com /hosts inspect_test.page leaf GET HEAD OPTIONS`,
		`host example.org /hosts *resource.Base OPTIONS`,
		`"about" /hosts/about inspect_test.page leaf GET HEAD OPTIONS`,
		`"private" /private *guard.Guard guard GetChild every method (Render) scheme Basic realm="the realm", charset="UTF-8" ` +
			`scheme Digest realm="the realm", algorithms SHA-256 MD5 ` +
			`realm guard.RealmFunc: its trees are reached with credentials only, not shown`,
		`"extra" /files/extra inspect_test.page leaf GET HEAD OPTIONS`,
		`"wsgi" /wsgi *handler.Resource mounted handler leaf every method (Render) handler http.HandlerFunc: it answers every path below`,
		`"zip" /zip *gzip.Wrapper gzip wrapper leaf GetChild every method (Render)`,
		`wrapped /zip inspect_test.page leaf GET HEAD OPTIONS`,
		`"gone" /gone *resource.Page error page every method (Render) 410 Gone`,
		`"opaque" /opaque inspect_test.opaque POST OPTIONS`,
		`"loop" /loop *resource.Base OPTIONS`,
		`"back" /loop/back *resource.Base OPTIONS the same resource as at /: not shown again`,
		`"big" /big *resource.Base OPTIONS`,
		`"c0" /big/c0 inspect_test.page leaf GET HEAD OPTIONS`,
		`"d" /deep/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d *resource.Base OPTIONS deeper than 32 levels: not shown`,
	} {
		if !slices.Contains(nodes, want) {
			t.Errorf("no node %q in the tree", want)
		}
	}
	var filesNode string
	for _, n := range nodes {
		if strings.HasPrefix(n, `"files" /files `) {
			filesNode = n
		}
	}
	if want := `"files" /files *static.File static directory GetChild every method (Render) directory ` + dir + `: its files are GetChild's, not listed`; filesNode != want {
		t.Errorf("files node %q, want %q", filesNode, want)
	}
	if n := countPrefix(nodes, `"c`); n != 100 {
		t.Errorf("%d of big's 150 children shown, want 100", n)
	}
	if cuts := lines(s.view(t, "tree"), `<div class="cut">`); !slices.Contains(cuts, "50 more children: not shown") {
		t.Errorf("no note of big's children not shown, in %q", cuts)
	}
	for _, never := range []string{"secret-child", "unlisted.txt"} {
		for _, n := range nodes {
			if strings.Contains(n, never) {
				t.Errorf("the tree shows %q: %q", never, n)
			}
		}
	}
	if t.Failed() {
		t.Logf("the tree:\n%s", strings.Join(nodes, "\n"))
	}
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// TestTreeViewLarge: a tree wider than the view's bound is cut with a note,
// however many resources it has.
func TestTreeViewLarge(t *testing.T) {
	root := resource.New()
	for i := range 20 {
		level := resource.New()
		root.PutChild("n"+strconv.Itoa(i), level)
		for j := range 60 {
			level.PutChild("m"+strconv.Itoa(j), page{})
		}
	}
	s := serve(t, root)
	nodes := lines(s.view(t, "tree"), `<div class="node">`)
	if len(nodes) > 520 {
		t.Errorf("%d nodes shown; the bound is 500", len(nodes))
	}
	cuts := lines(s.view(t, "tree"), `<div class="cut">`)
	if !slices.ContainsFunc(cuts, func(c string) bool { return strings.Contains(c, "at most 500 resources") }) {
		t.Errorf("no note of the resources not shown, in %q", cuts)
	}
}
