package request

import "strings"

// SiblingLink returns a URL relative to the current request for the
// sibling named name of the resource traversal has reached, as Twisted's
// sibLink: one "../" for each segment left in the postpath, then name, so
// that a leaf at /foo serving /foo/bar/baz links to its sibling with
// "../../name". name is not escaped.
func (r *Request) SiblingLink(name string) string {
	return strings.Repeat("../", r.postpathLen()) + name
}

// RememberRootURL remembers the absolute URL of where the application is
// mounted, for AppRootURL (Twisted's rememberRootURL). It is the URL of
// the prepath without its last segment: called in the ChildWithDefault or
// GetChild of the application's root resource, while traversal asks it
// for a child, it is that resource's URL. A later call replaces the URL.
func (r *Request) RememberRootURL() {
	segs := r.Prepath()
	if len(segs) > 0 {
		segs = segs[:len(segs)-1]
	}
	u := r.urlFor(segs)
	r.mu.Lock()
	r.extLocked()
	r.appRoot = u
	r.mu.Unlock()
}

// AppRootURL returns the URL that RememberRootURL remembered (Twisted's
// getRootURL), such as "http://example.com/blog" for an application whose
// root resource is the child "blog" of the Site's: it has no trailing
// slash unless it is the Site's root. Until RememberRootURL is called it
// is RootURL (Twisted's is None), so an application served at the root
// of its Site need not remember.
func (r *Request) AppRootURL() string {
	r.mu.Lock()
	var u string
	if r.more != nil {
		u = r.appRoot
	}
	r.mu.Unlock()
	if u == "" {
		return r.RootURL()
	}
	return u
}
