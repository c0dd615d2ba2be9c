package introspect

// Site is what a Site tells the inspector attached to it, at its first
// request.
type Site struct {
	Root              any // the resource.Resource at the root of the tree
	Sessions          any // the Site's sessions: a *session.Manager
	TrustProxyHeaders bool
}

// Hooks are the inspector's functions that a Site calls.
type Hooks struct {
	// Attach is called once, at the Site's first request. It panics if the
	// inspector is already attached to another Site.
	Attach func(Site)
	// Record is called with the Trace of each request, finished.
	Record func(*Trace)
}

// A Plug is embedded, under an unexported alias, by the inspector, so that
// a Site holding the inspector can find its Hooks with HooksOf and nothing
// else can.
type Plug struct{ h *Hooks }

// NewPlug returns a Plug that gives h.
func NewPlug(h *Hooks) Plug { return Plug{h: h} }

func (p *Plug) introspectPlug() *Hooks { return p.h }

// HooksOf returns the Hooks of v, a value embedding a Plug, or nil.
func HooksOf(v any) *Hooks {
	if p, ok := v.(interface{ introspectPlug() *Hooks }); ok {
		return p.introspectPlug()
	}
	return nil
}
