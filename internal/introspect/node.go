// Package introspect carries what the inspector (package resource/inspect)
// sees of the framework's own values, without adding anything to their
// public API.
//
// A framework type that the inspector should see into embeds a [Node]
// under an unexported name (type node = introspect.Node), and fills it
// through the functions of this package: [SetChildren] for the static
// children of resource.Base, [SetDescribe] for what a ready-made resource
// is (a virtual host and its hosts, a router and its routes...). Node has
// one unexported method, so a type embedding it satisfies an interface
// that only this package can name: [Describe] finds the Node of any value
// that has one, including a user's type that embeds resource.Base, and
// nothing else can call it. Node has no exported field or method, so
// embedding it promotes nothing that a user could reach, and go doc of the
// embedding type shows nothing new.
//
// The other half is the record of one request's traversal: the Site puts a
// [Trace] in the request's context as a [Ctx] when an inspector is
// attached, and package resource finds it with [From], one comparison of
// the context's type, and records its steps in it. [Hooks] is how the Site
// reaches the inspector: the inspector embeds a [Plug] the same way.
package introspect

import (
	"sync/atomic"
)

// A Node is embedded, under an unexported alias, by the framework types the
// inspector sees into. Its zero value is ready: a Node that nothing was set
// on still tells Describe that the value embeds one. It must not be copied
// after first use.
type Node struct {
	p atomic.Pointer[hooks] // replaced whole (copy on write)
}

// hooks is what was set on a Node.
type hooks struct {
	describe func(*Info)    // the framework type's own description
	children func() []Child // resource.Base's static children
}

// introspectNode returns n. It is the method that makes a type embedding a
// Node a [hooked], an interface only this package can name.
func (n *Node) introspectNode() *Node { return n }

type hooked interface{ introspectNode() *Node }

// update replaces n's hooks with a copy changed by f.
func (n *Node) update(f func(*hooks)) {
	for {
		old := n.p.Load()
		h := new(hooks)
		if old != nil {
			*h = *old
		}
		f(h)
		if n.p.CompareAndSwap(old, h) {
			return
		}
	}
}

// SetChildren makes f what lists n's static children (resource.Base sets
// it at its first PutChild). It is set once: later calls do nothing.
func SetChildren(n *Node, f func() []Child) {
	if h := n.p.Load(); h != nil && h.children != nil {
		return
	}
	n.update(func(h *hooks) {
		if h.children == nil {
			h.children = f
		}
	})
}

// SetDescribe makes f the description of v, what the framework type is
// and what it leads to. v is the type's own Node (&x.node), or a value
// that reaches one by embedding, such as a type embedding resource.Base,
// which then describes itself on Base's Node. It panics if v has no Node,
// which is a bug in the framework type calling it.
func SetDescribe(v any, f func(*Info)) {
	h, ok := v.(hooked)
	if !ok {
		panic("introspect: SetDescribe on a value without a Node")
	}
	h.introspectNode().update(func(h *hooks) { h.describe = f })
}

// Info is what Describe tells of a value.
type Info struct {
	// Node is the value's Node: the same Node means the same resource, so
	// the inspector uses it to see cycles.
	Node *Node

	// Kind says what a ready-made resource is ("virtual host", "router",
	// "guard", ...); "" for a resource that only has static children.
	Kind string
	// Notes are details, one line each: a route, a scheme, a directory.
	Notes []string
	// Links are the resources it leads to other than by its static
	// children, walked by the inspector: a host's tree, a wrapped resource.
	Links []Child
	// Children are the static children put with PutChild, in the order
	// resource.Base keeps them.
	Children []Child
}

// A Child is a resource under a name: a path segment for a static child, a
// label ("host example.com", "default") for a link.
type Child struct {
	Name string
	Res  any
}

// Describe returns what v's Node holds, and false if v has no Node (a
// user's type that embeds no framework type, seen only from outside).
func Describe(v any) (Info, bool) {
	h, ok := v.(hooked)
	if !ok {
		return Info{}, false
	}
	n := h.introspectNode()
	info := Info{Node: n}
	if hs := n.p.Load(); hs != nil {
		if hs.describe != nil {
			hs.describe(&info)
		}
		if hs.children != nil {
			info.Children = hs.children()
		}
	}
	return info, true
}
