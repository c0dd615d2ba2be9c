// Package vhost serves several sites from one tree by the host name the
// client asked for (Twisted's twisted.web.vhost).
//
// A [NameVirtualHost] picks a resource by the request's Host header and
// hands it the rest of the request, without consuming a path segment:
//
//	v := vhost.New()
//	v.AddHost("example.com", exampleRoot)
//	v.AddHost("example.org", orgRoot)
//	v.Default = fallbackRoot // optional; without it, unknown hosts get 404
//	s := site.New(v)
package vhost

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// NameVirtualHost chooses a resource by host name (Twisted's
// NameVirtualHost). The host is the request's Host header (X-Forwarded-Host
// when the Site trusts proxy headers) without its port, compared without
// regard to case.
//
// A NameVirtualHost does not consume a path segment: traversal continues in
// the chosen resource as if that resource stood where the NameVirtualHost
// stands, so a host's tree sees the same prepath and postpath it would see
// as the root. When the chosen resource is a leaf, the segment is given back
// to the postpath and the leaf renders the whole path. Static children put
// on the NameVirtualHost itself with PutChild come first, for every host.
//
// A request whose host is not in the map goes to Default; without a
// Default it gets 404 "Not Found" naming the host (or Twisted's plain
// "No Such Resource" page when the request has no host at all).
//
// The zero value is ready to use. AddHost and RemoveHost may be called while
// serving; Default must be set before.
type NameVirtualHost struct {
	resource.Base

	// Default answers requests for hosts that are not in the map; nil
	// means 404.
	Default resource.Resource

	mu    sync.Mutex                                   // serialises AddHost and RemoveHost
	hosts atomic.Pointer[map[string]resource.Resource] // copy-on-write, keyed by lower-case name
}

// New returns a NameVirtualHost with no hosts and no default.
func New() *NameVirtualHost {
	v := new(NameVirtualHost)
	introspect.SetDescribe(v, v.describe)
	return v
}

// describe tells the inspector (resource/inspect) the hosts and the
// default, whose trees it shows.
func (v *NameVirtualHost) describe(info *introspect.Info) {
	info.Kind = "virtual host"
	if m := v.hosts.Load(); m != nil {
		for _, name := range slices.Sorted(maps.Keys(*m)) {
			info.Links = append(info.Links, introspect.Child{Name: "host " + name, Res: (*m)[name]})
		}
	}
	if v.Default != nil {
		info.Links = append(info.Links, introspect.Child{Name: "default", Res: v.Default})
	} else {
		info.Notes = append(info.Notes, "no default: other hosts get 404")
	}
}

// AddHost makes res the resource that answers requests for the host name,
// replacing any earlier one. name is a host name without a port, such as
// "example.com" or "::1"; case does not matter. AddHost panics if res is nil.
func (v *NameVirtualHost) AddHost(name string, res resource.Resource) {
	if res == nil {
		panic("vhost: AddHost(" + name + ", nil)")
	}
	v.update(func(m map[string]resource.Resource) { m[strings.ToLower(name)] = res })
}

// RemoveHost removes the host name from the map; its requests go to
// Default afterwards. Removing a host that is not there does nothing.
func (v *NameVirtualHost) RemoveHost(name string) {
	v.update(func(m map[string]resource.Resource) { delete(m, strings.ToLower(name)) })
}

// update replaces the host map with a copy changed by f.
func (v *NameVirtualHost) update(f func(map[string]resource.Resource)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.hosts.Load() == nil {
		introspect.SetDescribe(v, v.describe) // a NameVirtualHost not made by New
	}
	m := make(map[string]resource.Resource)
	if old := v.hosts.Load(); old != nil {
		for k, r := range *old {
			m[k] = r
		}
	}
	f(m)
	v.hosts.Store(&m)
}

// Hosts returns the host names in the map, lower-cased, in no particular
// order.
func (v *NameVirtualHost) Hosts() []string {
	var names []string
	if m := v.hosts.Load(); m != nil {
		for k := range *m {
			names = append(names, k)
		}
	}
	return names
}

// noHost answers a request without a host when there is no Default.
var noHost = resource.NoResource("")

// resourceFor returns the resource that answers r: its host's, else
// Default, else a 404 page.
func (v *NameVirtualHost) resourceFor(r *request.Request) resource.Resource {
	host := strings.ToLower(r.Hostname())
	if host != "" {
		if m := v.hosts.Load(); m != nil {
			if res, ok := (*m)[host]; ok {
				return res
			}
		}
	}
	if v.Default != nil {
		return v.Default
	}
	if host == "" {
		return noHost
	}
	return resource.ErrorPage(404, "Not Found", "host '"+host+"' not in vhost map")
}

// ChildWithDefault returns the child named name of the resource chosen for
// the request's host: its static child, else its GetChild's answer, else
// nil (404). A static child of the NameVirtualHost itself comes first. If
// the chosen resource is a leaf, ChildWithDefault gives name back to the
// request's postpath and returns the leaf, which then renders it.
func (v *NameVirtualHost) ChildWithDefault(name string, r *request.Request) resource.Resource {
	if c := v.Base.ChildWithDefault(name, r); c != nil {
		return c
	}
	target := v.resourceFor(r)
	if target.IsLeaf() {
		r.Unconsume()
		return target
	}
	if c := target.ChildWithDefault(name, r); c != nil {
		return c
	}
	if g, ok := target.(resource.ChildGetter); ok {
		c, err := g.GetChild(name, r)
		if err != nil {
			return failed{err: err}
		}
		return c
	}
	return nil
}

// Render renders the resource chosen for the request's host, by the
// request's method, with resource.Render.
func (v *NameVirtualHost) Render(r *request.Request) ([]byte, error) {
	return resource.Render(v.resourceFor(r), r)
}

// failed carries an error from the chosen resource's GetChild to the
// renderer, since ChildWithDefault cannot return one: rendering it gives the
// error, so the failure page is the one traversal would have given.
type failed struct {
	resource.Leaf
	err error
}

func (f failed) Render(*request.Request) ([]byte, error) { return nil, f.err }
