package inspect

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Defaults of the Inspector's bounds.
const (
	DefaultRecentRequests = 50
	DefaultRecentEndings  = 20
)

// Inspector is a leaf resource that shows the Site it is attached to: its
// tree, its latest requests step by step, and its sessions. Make one with
// New, mount it in the tree with PutChild, and attach it to the Site by
// setting the Site's Inspector field; set its fields before the Site's
// first request. An Inspector serves one Site. It is safe for concurrent
// use.
//
// It answers only the clients AllowClient accepts, loopback addresses
// when AllowClient is nil (and then only for a Host of localhost, a name
// under .localhost or an address: any other name may be a DNS rebinding
// attack's, a page of another site reading the inspector), and none at
// all when the Site trusts proxy headers or the request carries
// X-Forwarded-For or Forwarded (behind a proxy on the same host every
// client looks like loopback) unless AllowProxied is set; anyone else gets the tree's 404 page, and the
// refusal is logged with the Request's logger.
type Inspector struct {
	resource.Leaf

	// AllowClient reports whether the client at addr (Request.ClientAddr)
	// may see the inspector. Nil means loopback addresses only, asking for
	// a Host of localhost, a name under .localhost, or an address.
	AllowClient func(addr netip.Addr) bool

	// AllowProxied lets the inspector answer when the Site trusts proxy
	// headers or the request carries X-Forwarded-For or Forwarded. The
	// client checked is then the one the proxy names, if the Site trusts
	// it, else the proxy.
	AllowProxied bool

	// Log, when set, receives one record per request the Site serves (but
	// those to the inspector), whose message is a block of lines: the
	// request, each traversal step, and the render method that answered.
	Log *slog.Logger

	// RecentRequests is how many of the latest requests the requests view
	// keeps; zero means DefaultRecentRequests.
	RecentRequests int

	// RecentEndings is how many of the latest session endings the sessions
	// view keeps; zero means DefaultRecentEndings.
	RecentEndings int

	plug // how the Site reaches the inspector: see attach and record

	mu       sync.Mutex
	site     *introspect.Site    // nil until attached
	requests []*introspect.Trace // a ring, oldest overwritten
	next     int                 // where the next request goes in requests
	sessions *sessionWatch       // nil until attached
}

// plug is how a Site holding the Inspector finds its hooks (package
// introspect); it adds nothing to the Inspector's API.
type plug = introspect.Plug

// New returns an Inspector with the default settings.
func New() *Inspector {
	ins := new(Inspector)
	ins.plug = introspect.NewPlug(&introspect.Hooks{Attach: ins.attach, Record: ins.record})
	return ins
}

// attach is called by the Site at its first request.
func (ins *Inspector) attach(s introspect.Site) {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	if ins.site != nil {
		panic("inspect: an Inspector is attached to a second Site")
	}
	ins.site = &s
	ins.sessions = watchSessions(s.Sessions, ins.recentEndings())
}

func (ins *Inspector) recentRequests() int {
	if ins.RecentRequests > 0 {
		return ins.RecentRequests
	}
	return DefaultRecentRequests
}

func (ins *Inspector) recentEndings() int {
	if ins.RecentEndings > 0 {
		return ins.RecentEndings
	}
	return DefaultRecentEndings
}

// record keeps t, a finished request, and logs it.
func (ins *Inspector) record(t *introspect.Trace) {
	if t.Self {
		return
	}
	ins.mu.Lock()
	if n := ins.recentRequests(); len(ins.requests) < n {
		ins.requests = append(ins.requests, t)
	} else {
		ins.requests[ins.next%n] = t
	}
	ins.next++
	ins.mu.Unlock()
	if ins.Log != nil {
		logTrace(ins.Log, t)
	}
}

// recent returns the requests kept, newest first.
func (ins *Inspector) recent() []*introspect.Trace {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	out := make([]*introspect.Trace, 0, len(ins.requests))
	n := len(ins.requests)
	for i := range n {
		out = append(out, ins.requests[(ins.next-1-i+n*2)%n])
	}
	return out
}

// attached returns what the Site told, or nil before it did.
func (ins *Inspector) attached() (*introspect.Site, *sessionWatch) {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return ins.site, ins.sessions
}

// refusal returns why r may not see the inspector, or "".
func (ins *Inspector) refusal(r *request.Request, s *introspect.Site) string {
	if !ins.AllowProxied {
		switch {
		case s != nil && s.TrustProxyHeaders:
			return "the Site trusts proxy headers (set AllowProxied)"
		case r.Header("X-Forwarded-For") != "" || r.Header("Forwarded") != "":
			return "the request came through a proxy (set AllowProxied)"
		}
	}
	addr, err := netip.ParseAddr(r.ClientAddr())
	if err != nil {
		return "the client's address is unknown"
	}
	addr = addr.Unmap()
	if ins.AllowClient != nil {
		if !ins.AllowClient(addr) {
			return "AllowClient refused the client"
		}
		return ""
	}
	if !addr.IsLoopback() {
		return "the client is not on a loopback address (set AllowClient)"
	}
	if !localHost(r.Hostname()) {
		return "the Host is not this machine's, as a DNS rebinding attack's is (set AllowClient)"
	}
	return ""
}

// localHost reports whether host, a request's Host without its port, can
// only be this machine as a loopback client's browser sees it: localhost,
// a name under .localhost, or an address. A page of another site can
// point its own name at 127.0.0.1 (DNS rebinding) and then read the
// inspector as a page of its own; its requests come from loopback, but
// carry its name.
func localHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// RenderGET answers the inspector's pages: the overview at the inspector's
// own path, each view alone below it (tree, requests, sessions), the same
// views as fragments that its script fetches (part/NAME), and the script
// and style sheet.
func (ins *Inspector) RenderGET(r *request.Request) ([]byte, error) {
	s, sw := ins.attached()
	if why := ins.refusal(r, s); why != "" {
		r.Logger().Info("inspect: refused", "client", r.ClientAddr(), "uri", r.Path(), "why", why)
		return resource.NoResource("").Render(r)
	}
	if t := introspect.From(r.HTTPRequest().Context()); t != nil {
		t.MarkSelf()
	}
	h := r.ResponseHeader()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	v := view{ins: ins, site: s, sessions: sw, base: basePath(r)}
	post := r.Postpath()
	switch {
	case len(post) == 0 || len(post) == 1 && post[0] == "":
		return v.page(r, "", allViews...), nil
	case len(post) == 1 && post[0] == "inspect.js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		return script, nil
	case len(post) == 1 && post[0] == "inspect.css":
		h.Set("Content-Type", "text/css; charset=utf-8")
		return style, nil
	case len(post) == 1 && isView(post[0]):
		return v.page(r, post[0], post[0]), nil
	case len(post) == 2 && post[0] == "part" && isView(post[1]):
		h.Set("Content-Type", "text/html; charset=utf-8")
		return v.section(post[1]), nil
	}
	return resource.NoResource("").Render(r)
}

// basePath returns the inspector's own path, from the request's prepath,
// without a trailing slash.
func basePath(r *request.Request) string {
	var b strings.Builder
	for _, seg := range r.Prepath() {
		b.WriteByte('/')
		b.WriteString(request.QuoteSegment(seg))
	}
	return b.String()
}

var _ resource.GETRenderer = (*Inspector)(nil)

// statusText is the status with its text, "200 OK"; for 0, that the
// client got no response.
func statusText(code int) string {
	if code == 0 {
		return "nothing sent"
	}
	if t := http.StatusText(code); t != "" {
		return itoa(code) + " " + t
	}
	return itoa(code)
}
