package resource

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
)

// Resource is a node of the tree a Site serves (Twisted's IResource).
//
// Most resources embed [Base], which keeps static children, and add methods
// the framework looks for on the outer value: GetChild for dynamic children
// ([ChildGetter]), RenderGET, RenderPOST and the other render methods
// ([GETRenderer] ...), or a whole [Renderer]. Resources must be safe for
// concurrent use: a Site serves requests on many goroutines at once.
type Resource interface {
	// IsLeaf reports whether traversal stops here, leaving the rest of the
	// path in the request's postpath.
	IsLeaf() bool
	// ChildWithDefault returns the static child named name, or nil to let
	// traversal try the outer value's GetChild. Wrappers that must see
	// every segment (virtual hosts, auth guards) implement it themselves.
	ChildWithDefault(name string, r *request.Request) Resource
	// PutChild makes child the static child named name. name is one path
	// segment, not URL-encoded; "" is the child for a trailing slash (the
	// page at "/" is the root's "" child).
	PutChild(name string, child Resource)
}

// ChildGetter is implemented by resources with dynamic children (Twisted's
// getChild). Traversal calls GetChild when ChildWithDefault found no static
// child; at that point the request's prepath already ends with name. A nil
// Resource with a nil error means "no such child" (404); an error gives the
// failure page (a *request.StatusError picks its status).
type ChildGetter interface {
	GetChild(name string, r *request.Request) (Resource, error)
}

// Base is the Resource to embed: it keeps a set of static children and is
// not a leaf. Its zero value is ready to use. PutChild may be called while
// serving, so an application may add children at run time.
type Base struct {
	mu       sync.Mutex               // serialises PutChild
	children atomic.Pointer[children] // copy-on-write
	node                              // what the inspector sees: set at the first PutChild
}

// node lets the inspector (resource/inspect) list a Base's children, and
// the ready-made resources that embed Base say what they are, through
// package introspect; it adds nothing to Base's API.
type node = introspect.Node

// children is an immutable set of static children, replaced whole by
// PutChild (copy-on-write), so that lookups take no lock. Up to maxScan of
// them are kept in a slice and scanned, which is faster than hashing the
// name (BenchmarkChildWithDefault, BenchmarkSiteStaticTree: 7.5 ns against
// 10.6 for three children); more go in a map.
type children struct {
	list []child             // when there are at most maxScan
	m    map[string]Resource // otherwise
}

type child struct {
	name string
	res  Resource
}

const maxScan = 8

// get returns the child named name, or nil.
func (c *children) get(name string) Resource {
	if c.m != nil {
		return c.m[name]
	}
	for i := range c.list {
		// The length and the first byte rule out most other children
		// without calling the string comparison.
		e := &c.list[i]
		if len(e.name) == len(name) && (name == "" || e.name[0] == name[0]) && e.name == name {
			return e.res
		}
	}
	return nil
}

// with returns a copy of c (which may be nil) in which name is res.
func (c *children) with(name string, res Resource) *children {
	switch {
	case c == nil:
		return &children{list: []child{{name, res}}}
	case c.m != nil:
		m := maps.Clone(c.m)
		m[name] = res
		return &children{m: m}
	}
	list := slices.Clone(c.list)
	if i := slices.IndexFunc(list, func(e child) bool { return e.name == name }); i >= 0 {
		list[i].res = res
		return &children{list: list}
	}
	if len(list) < maxScan {
		return &children{list: append(list, child{name, res})}
	}
	m := make(map[string]Resource, len(list)+1)
	for _, e := range list {
		m[e.name] = e.res
	}
	m[name] = res
	return &children{m: m}
}

// New returns a bare resource with no render methods (Twisted's Resource()):
// a place to hang children.
func New() *Base { return new(Base) }

// IsLeaf returns false: traversal continues below a Base.
func (b *Base) IsLeaf() bool { return false }

// ChildWithDefault returns the static child named name, or nil.
func (b *Base) ChildWithDefault(name string, _ *request.Request) Resource {
	if c := b.children.Load(); c != nil {
		return c.get(name)
	}
	return nil
}

// PutChild makes child the static child named name, replacing any child of
// that name. It panics if child is nil.
func (b *Base) PutChild(name string, child Resource) {
	if child == nil {
		panic("resource: PutChild(" + name + ", nil)")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.children.Load()
	if old == nil {
		introspect.SetChildren(&b.node, b.childList)
	}
	b.children.Store(old.with(name, child))
}

// childList returns b's static children, for the inspector: in the order
// they were put while there are few, sorted by name beyond.
func (b *Base) childList() []introspect.Child {
	c := b.children.Load()
	if c == nil {
		return nil
	}
	var list []introspect.Child
	for _, e := range c.list {
		list = append(list, introspect.Child{Name: e.name, Res: e.res})
	}
	for _, name := range slices.Sorted(maps.Keys(c.m)) {
		list = append(list, introspect.Child{Name: name, Res: c.m[name]})
	}
	return list
}

// Leaf is embedded by resources that are leaves: it has no children, so
// traversal stops at it and leaves the rest of the path in the postpath.
type Leaf struct{}

// IsLeaf returns true.
func (Leaf) IsLeaf() bool { return true }

// ChildWithDefault returns nil: a leaf has no children.
func (Leaf) ChildWithDefault(string, *request.Request) Resource { return nil }

// PutChild panics: a leaf cannot have children.
func (Leaf) PutChild(name string, _ Resource) {
	panic("resource: PutChild(" + name + ") on a leaf")
}

// ChildForRequest walks the tree from root along the request's postpath, as
// Twisted's getChildForRequest: while segments remain and the resource is
// not a leaf, it moves the next segment to the prepath, then asks
// ChildWithDefault, then the resource's GetChild, and answers with the 404
// page when neither has the child. It returns the resource to render, or
// the error a GetChild returned. When the Site has an inspector, each step
// is recorded for it.
func ChildForRequest(root Resource, r *request.Request) (Resource, error) {
	return childForRequest(root, r, introspect.From(r.HTTPRequest().Context()))
}

// childForRequest is ChildForRequest, recording its steps in t unless t is
// nil. A static child costs one test of t more than no inspector does.
func childForRequest(root Resource, r *request.Request, t *introspect.Trace) (Resource, error) {
	res := root
	for {
		// Twisted's order: the postpath first, then IsLeaf.
		seg, ok := r.Consume()
		if !ok {
			break
		}
		if res.IsLeaf() {
			r.Unconsume()
			if t != nil {
				t.AddStep(seg, r, res, introspect.LeafStop)
			}
			break
		}
		child := res.ChildWithDefault(seg, r)
		if child == nil {
			var err error
			if child, err = dynamicChild(res, seg, r, t); err != nil {
				return nil, err
			}
		} else if t != nil {
			t.AddStep(seg, r, child, introspect.Static)
		}
		res = child
	}
	return res, nil
}

// dynamicChild returns the child named seg that res's GetChild makes, or
// the 404 page, recording the step in t unless t is nil.
func dynamicChild(res Resource, seg string, r *request.Request, t *introspect.Trace) (Resource, error) {
	g, ok := res.(ChildGetter)
	if !ok {
		if t != nil {
			t.AddStep(seg, r, notFound, introspect.NotFound)
		}
		return notFound, nil
	}
	child, err := g.GetChild(seg, r)
	switch {
	case err != nil:
		if t != nil {
			t.AddStep(seg, r, nil, introspect.Failed)
		}
		return nil, err
	case child == nil:
		if t != nil {
			t.AddStep(seg, r, notFound, introspect.NotFound)
		}
		return notFound, nil
	}
	if t != nil {
		t.AddStep(seg, r, child, introspect.Dynamic)
	}
	return child, nil
}
