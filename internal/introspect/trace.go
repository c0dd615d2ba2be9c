package introspect

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/gotwisted/web/request"
)

// Bounds of what a Trace keeps, whatever the path: at most MaxSteps steps
// (the rest are counted), and the prepath and postpath of each only for a
// path of at most MaxListSegments segments and MaxListBytes bytes, so that
// a long path costs the inspector little time and memory.
const (
	MaxSteps        = 64
	MaxListSegments = 64
	MaxListBytes    = 4096
)

// How says how traversal reached the resource of a Step.
type How uint8

// The ways a Step reaches its resource.
const (
	Static   How = iota // ChildWithDefault returned it: a static child
	Dynamic             // the GetChild of the resource before returned it
	NotFound            // neither had the child: the 404 page
	Failed              // GetChild returned an error: the failure page
	LeafStop            // the resource is a leaf: traversal stops, the segment stays in the postpath
)

// String returns how, in words.
func (h How) String() string {
	switch h {
	case Static:
		return "static child"
	case Dynamic:
		return "GetChild"
	case NotFound:
		return "not found"
	case Failed:
		return "GetChild failed"
	case LeafStop:
		return "leaf: stops here"
	}
	return "?"
}

// End says how a response ended, when not by finishing.
type End uint8

// The ways a response ends.
const (
	Finished   End = iota // it finished (or has not ended yet)
	ClientGone            // its client went away before it finished
	SiteClosed            // the Site closed before it finished
	Abandoned             // the resource abandoned it (Request.Abort): the connection was cut
	Hijacked              // the resource took the connection over (a WebSocket)
)

// A Step is one segment of a traversal.
type Step struct {
	// Segment is the segment consumed (decoded), or for a LeafStop the
	// segment left in the postpath.
	Segment string
	// Prepath and Postpath are the request's after the lookup.
	Prepath, Postpath []string
	// Reached is the Go type of the resource reached ("" when Failed).
	Reached string
	How     How
}

// A Trace records one request as the inspector shows it: its traversal
// steps, the render method that answered, the status and the time taken.
// The Site makes it and hands it to the inspector when the response ends;
// package resource records the steps while it traverses. Its methods are
// safe for concurrent use; once Finish was called it no longer changes, so
// its fields may be read without the lock.
type Trace struct {
	Start   time.Time
	Method  string
	Path    string   // the escaped path; "?…" stands for a query, never shown
	Client  string   // the client's address, as Request.ClientAddr gives it
	Initial []string // the path's segments, the postpath before traversal; nil for a long path, whose steps have no lists

	mu       sync.Mutex // guards the fields below, and those above until Begin returns, until done
	done     bool
	req      *request.Request // from Begin until Finish
	Steps    []Step
	More     int    // steps beyond MaxSteps, not kept
	Rendered string // the Go type of the resource rendered
	Answer   string // which render method answered: "RenderGET", "Render", "405"...
	Async    bool   // the render method returned NotDoneYet
	Failed   bool   // traversal or rendering failed: the failure page
	End      End    // how the response ended
	Status   int    // the status its client got; 0 when nothing was sent
	Took     time.Duration
	Self     bool // the request reached the inspector itself
}

// TypeName returns the Go type of v as %T prints it.
func TypeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// New returns a Trace for a request that began at start. Package resource
// fills it in as it serves the request.
func New(start time.Time) *Trace { return &Trace{Start: start} }

// Begin records r, about to be traversed: its method, its path, its client,
// its segments; Finish reads its status. The other methods call it for the
// first request they are given, so that resource.Serve need not.
func (t *Trace) Begin(r *request.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.beginLocked(r)
}

// beginLocked is Begin; it does nothing once t has its request. t.mu must
// be held.
func (t *Trace) beginLocked(r *request.Request) {
	if t.req != nil || t.done {
		return
	}
	t.req = r
	path := r.Path()
	// Kept cut, as shown: a trace outlives its request, and a client
	// chooses how long its path and method are (up to net/http's header
	// limit, a megabyte).
	t.Method, t.Path, t.Client = Shorten(r.Method()), Shorten(path), Shorten(r.ClientAddr())
	if u := r.HTTPRequest().URL; u.RawQuery != "" || u.ForceQuery {
		t.Path += "?…"
	}
	if r.HTTPRequest().RequestURI == "*" {
		t.Path = "*"
	}
	if len(path) <= MaxListBytes && strings.Count(path, "/") <= MaxListSegments {
		// All the segments, wherever traversal is: the prepath and the
		// postpath together, copied (they are slices of the request line,
		// whose query may be a megabyte long).
		t.Initial = cloneAll(append(r.Prepath(), r.Postpath()...))
		t.Steps = make([]Step, 0, len(t.Initial))
	}
}

// cloneAll replaces each string of list by a copy, all in one allocation.
func cloneAll(list []string) []string {
	n := 0
	for _, s := range list {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range list {
		b.WriteString(s)
	}
	all := b.String()
	for i, s := range list {
		list[i], all = all[:len(s)], all[len(s):]
	}
	return list
}

// AddStep records a step of r's traversal: seg was consumed (or left, for
// a LeafStop) and reached is the resource reached (nil when Failed).
func (t *Trace) AddStep(seg string, r *request.Request, reached any, how How) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	t.beginLocked(r)
	if len(t.Steps) >= MaxSteps {
		t.More++
		return
	}
	st := Step{Segment: Shorten(seg), How: how}
	if reached != nil {
		st.Reached = TypeName(reached)
	}
	if t.Initial != nil {
		// The prepath is always the first segments of the path, and the
		// postpath the others: Initial holds them all.
		n := min(len(r.Prepath()), len(t.Initial))
		st.Prepath, st.Postpath = t.Initial[:n:n], t.Initial[n:]
	}
	t.Steps = append(t.Steps, st)
}

// SetRender records the resource rendered for r and the method that
// answers.
func (t *Trace) SetRender(r *request.Request, res any, answer string) {
	t.mu.Lock()
	t.beginLocked(r)
	if !t.done {
		t.Rendered, t.Answer = TypeName(res), answer
	}
	t.mu.Unlock()
}

// SetFailed records that traversal or rendering of r failed: the response
// is the failure page.
func (t *Trace) SetFailed(r *request.Request) {
	t.mu.Lock()
	t.beginLocked(r)
	if !t.done {
		t.Failed = true
	}
	t.mu.Unlock()
}

// MarkSelf records that the request reached the inspector.
func (t *Trace) MarkSelf() {
	t.mu.Lock()
	t.Self = true
	t.mu.Unlock()
}

// SetAsync records that the render method returned NotDoneYet.
func (t *Trace) SetAsync() {
	t.mu.Lock()
	if !t.done {
		t.Async = true
	}
	t.mu.Unlock()
}

// SetEnd records that the response did not finish but ended as e, its
// client having got status (0: nothing). The Site calls it for a pending
// response, in place of the status Finish would read.
func (t *Trace) SetEnd(e End, status int) {
	t.mu.Lock()
	if !t.done {
		t.End, t.Status = e, status
	}
	t.mu.Unlock()
}

// Finish records the status of the request given to Begin, if any (unless
// SetEnd gave it), and the time taken, and freezes t. It reads the status
// with t.mu held: the lock order is t.mu, then the Request's.
func (t *Trace) Finish(took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.req != nil && t.End == Finished {
		t.Status = t.req.ResponseCode()
	}
	t.req, t.Took, t.done = nil, took, true
}

// Ctx is the context of a request whose traversal is recorded: the
// request's own context, with its Trace. The Site makes it the request's
// context, outermost, so that From finds it with one type comparison.
type Ctx struct {
	context.Context
	Trace *Trace
}

// From returns the Trace of a request whose context is ctx, or nil when its
// traversal is not recorded. It costs one comparison of ctx's type. Give it
// the context of the request's HTTPRequest, where the Site put the Ctx:
// Request.Context takes a lock.
func From(ctx context.Context) *Trace {
	if c, ok := ctx.(*Ctx); ok {
		return c.Trace
	}
	return nil
}

// MaxShown is the most bytes of a client's string (a path, a segment, a
// method) that a Trace keeps and the inspector shows.
const MaxShown = 160

// Shorten cuts s to MaxShown bytes, at a rune boundary, with an ellipsis.
// The result is a copy: a short method or path may be a slice of a
// megabyte request line, which it must not keep.
func Shorten(s string) string {
	if len(s) <= MaxShown {
		return strings.Clone(s)
	}
	i := MaxShown
	for i > 0 && s[i]&0xC0 == 0x80 { // not the first byte of a rune
		i--
	}
	return s[:i] + "…"
}
