package inspect

import (
	"strings"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Bounds of the tree view: past them a branch is cut with a note, so that
// a very large tree neither hangs the inspector nor floods the page.
const (
	maxTreeNodes    = 500 // resources shown in all
	maxTreeDepth    = 32  // levels below the root
	maxTreeChildren = 100 // static children shown per resource
)

// A treeNode is one resource of the tree view.
type treeNode struct {
	label    string // the segment quoted, "root", or a link's label
	path     string // where it answers: "/a/b"
	typ      string // its Go type
	leaf     bool
	getChild bool   // it has a GetChild
	allow    string // the methods it answers
	kind     string // what a ready-made resource is
	notes    []string
	cut      string // why it is not walked further, or ""
	children []*treeNode
	links    []*treeNode
	more     int // static children not shown
}

// walker builds the tree view, within its bounds.
type walker struct {
	seen  map[*introspect.Node]string // path where each Node was shown
	nodes int
}

// tree returns the view of the tree at root. It calls no method of a
// user's resource but IsLeaf and ExtraMethods (through AllowedMethods).
func buildTree(root resource.Resource) *treeNode {
	w := &walker{seen: make(map[*introspect.Node]string)}
	return w.walk(root, "root", "", 0)
}

func (w *walker) walk(res resource.Resource, label, path string, depth int) *treeNode {
	w.nodes++
	n := &treeNode{label: label, path: path, typ: introspect.TypeName(res)}
	if n.path == "" {
		n.path = "/"
	}
	if res == nil {
		return n
	}
	n.leaf = res.IsLeaf()
	_, n.getChild = res.(resource.ChildGetter)
	if _, ok := res.(resource.Renderer); ok {
		n.allow = "every method (Render)"
	} else {
		n.allow = strings.Join(resource.AllowedMethods(res), " ")
	}
	if p, ok := res.(*resource.Page); ok {
		n.kind = "error page"
		n.notes = append(n.notes, statusText(p.Code()))
	}
	info, ok := introspect.Describe(res)
	if !ok {
		return n // a user's type: seen from outside only
	}
	n.kind = info.Kind
	n.notes = append(n.notes, info.Notes...)
	if where, ok := w.seen[info.Node]; ok {
		n.cut = "the same resource as at " + where + ": not shown again"
		return n
	}
	w.seen[info.Node] = n.path
	if depth >= maxTreeDepth {
		if len(info.Children)+len(info.Links) > 0 {
			n.cut = "deeper than " + itoa(maxTreeDepth) + " levels: not shown"
		}
		return n
	}
	full := "the view shows at most " + itoa(maxTreeNodes) + " resources: the rest is not shown"
	for _, l := range info.Links {
		if w.nodes >= maxTreeNodes {
			n.cut = full
			return n
		}
		child, _ := l.Res.(resource.Resource)
		n.links = append(n.links, w.walk(child, l.Name, path, depth+1))
	}
	for i, c := range info.Children {
		if i >= maxTreeChildren || w.nodes >= maxTreeNodes {
			n.more = len(info.Children) - i
			if w.nodes >= maxTreeNodes {
				n.cut = full
			}
			break
		}
		child, _ := c.Res.(resource.Resource)
		n.children = append(n.children, w.walk(child, segment(c.Name), path+"/"+request.QuoteSegment(c.Name), depth+1))
	}
	return n
}

// tree writes the tree view.
func (v view) tree(w *writer) {
	if v.site == nil {
		w.raw("<p>The tree is shown once the Site has served a request.</p>\n")
		return
	}
	root, _ := v.site.Root.(resource.Resource)
	w.raw("<p class=\"help\">Each resource with the segment that reaches it, its Go type and the methods it answers. " +
		"A leaf ends traversal; GetChild makes children on demand, which are not listed.</p>\n")
	w.raw("<ul class=\"tree\">\n")
	writeNode(w, buildTree(root))
	w.raw("</ul>\n")
}

func writeNode(w *writer, n *treeNode) {
	w.raw("<li><div class=\"node\">")
	w.tag("code", "seg", n.label)
	w.raw(" ")
	w.tag("span", "path", n.path)
	w.raw(" ")
	w.tag("code", "type", n.typ)
	if n.kind != "" {
		w.raw(" ")
		w.tag("span", "kind", n.kind)
	}
	if n.leaf {
		w.raw(" ")
		w.tag("span", "badge leaf", "leaf")
	}
	if n.getChild {
		w.raw(" ")
		w.tag("span", "badge getchild", "GetChild")
	}
	w.raw(" ")
	w.tag("span", "allow", n.allow)
	for _, note := range n.notes {
		w.raw("<div class=\"note\">")
		w.text(shorten(note))
		w.raw("</div>")
	}
	if n.cut != "" {
		w.tag("div", "cut", n.cut)
	}
	w.raw("</div>\n")
	if len(n.links)+len(n.children) > 0 || n.more > 0 {
		w.raw("<ul>\n")
		for _, c := range n.links {
			writeNode(w, c)
		}
		for _, c := range n.children {
			writeNode(w, c)
		}
		if n.more > 0 {
			w.raw("<li>")
			w.tag("div", "cut", itoa(n.more)+" more children: not shown")
			w.raw("</li>\n")
		}
		w.raw("</ul>\n")
	}
	w.raw("</li>\n")
}
