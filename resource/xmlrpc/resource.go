package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Fault codes the Resource answers with, Twisted's NOT_FOUND and FAILURE.
const (
	// NotFound: no procedure or sub-handler of that name.
	NotFound = 8001
	// Failure: the call could not be read, its arguments did not convert,
	// the procedure failed with an error that is not a Fault, or its result
	// could not be sent.
	Failure = 8002
)

// A Fault is an XML-RPC fault: the error a procedure returns to send the
// client a fault of its choosing (Twisted's xmlrpc.Fault), and the error
// LookupProcedure returns. Procedures return it as a pointer:
//
//	return nil, &xmlrpc.Fault{Code: 123, String: "The fault procedure is faulty."}
type Fault struct {
	Code   int
	String string
}

// Error returns the code and the string.
func (f *Fault) Error() string {
	return fmt.Sprintf("xmlrpc: fault %d: %s", f.Code, f.String)
}

// separator joins a sub-handler's prefix to the names below it.
const separator = "."

// Resource is an XML-RPC endpoint, Twisted's XMLRPC: a leaf resource that
// answers POSTed method calls with the procedures registered on it and on
// its sub-handlers. Other methods get 405 with "Allow: POST, OPTIONS". Make
// one with New. Its fields are read on every call: set them before
// serving. Registering is safe at any time, also while serving.
type Resource struct {
	resource.Leaf

	// AllowNone lets results hold nil (nil pointers, interfaces and the
	// results of procedures that return only an error), sent as <nil/>, as
	// Twisted's allowNone. Without it such a result is a Failure fault,
	// "Can't serialize output: cannot marshal None unless allow_none is
	// enabled". Received <nil/> values are accepted either way, as Python
	// accepts them.
	AllowNone bool

	// UseDateTime makes dateTime.iso8601 arguments arrive in parameters of
	// type any as time.Time, as Twisted's useDateTime gives datetime
	// objects, instead of DateTime; a value that does not parse is then a
	// Failure fault. Parameters typed time.Time or DateTime get their type
	// either way.
	UseDateTime bool

	// MaxDepth bounds how deeply arrays and structs nest in a call and in
	// a result: deeper ones get a Failure fault. Zero means
	// DefaultMaxDepth. The size of a call is bounded by the Site's
	// MaxRequestBodySize.
	MaxDepth int

	// MaxValues bounds how many values a call holds, counting its
	// parameters, the values in its arrays and the members of its
	// structs, at any depth. The value beyond it gets a Failure fault,
	// "Can't deserialize input: more than N values", before anything more
	// is read. Zero means DefaultMaxValues; a negative value means no
	// limit.
	MaxValues int

	mu    sync.RWMutex // guards procs and subs
	procs map[string]*Procedure
	subs  map[string]*Resource
}

var _ resource.Resource = (*Resource)(nil)

// New returns a Resource that publishes the XMLRPC-prefixed methods of v,
// the Go form of Twisted's xmlrpc_ methods: each exported method named
// XMLRPC followed by a name is registered under that name with its first
// letter in lower case, so XMLRPCEcho is "echo" and XMLRPCListItems is
// "listItems". Pass a pointer to find methods with pointer receivers. v
// may be nil, for a Resource that only gets procedures from Register. New
// panics, as Register does, if such a method cannot be published.
func New(v any) *Resource {
	x := &Resource{procs: map[string]*Procedure{}, subs: map[string]*Resource{}}
	if v == nil {
		return x
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	for i := range t.NumMethod() {
		name, ok := strings.CutPrefix(t.Method(i).Name, "XMLRPC")
		if !ok || name == "" {
			continue
		}
		r, size := utf8.DecodeRuneInString(name)
		x.register(string(unicode.ToLower(r))+name[size:], rv.Method(i))
	}
	return x
}

// Register publishes fn under name and returns its Procedure, whose Help
// and Signature introspection reports. fn is a function whose parameters
// receive the call's arguments, converted as the package doc says; its
// first parameter may instead be a context.Context, which receives the
// request's context, or a *request.Request, which receives the request
// (Twisted's withRequest). It returns nothing, a result, an error, or a
// result and an error. Registering a name again replaces its procedure.
//
// Register panics if name is empty or holds the separator ".", which
// belongs to sub-handlers (see PutSubHandler), or if fn is not such a
// function.
func (x *Resource) Register(name string, fn any) *Procedure {
	return x.register(name, reflect.ValueOf(fn))
}

func (x *Resource) register(name string, fn reflect.Value) *Procedure {
	if name == "" || strings.Contains(name, separator) {
		panic(fmt.Sprintf("xmlrpc: procedure name %q is empty or holds %q", name, separator))
	}
	if !fn.IsValid() {
		panic(fmt.Sprintf("xmlrpc: procedure %q is nil", name))
	}
	p, err := newProcedure(fn)
	if err != nil {
		panic(fmt.Sprintf("xmlrpc: procedure %q: %v", name, err))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.procs[name] = p
	return p
}

// PutSubHandler makes h answer the calls whose names start with prefix and
// the separator, "."; h sees the name without them, and may have
// sub-handlers of its own. PutSubHandler panics if h is nil or prefix is
// empty or holds the separator.
func (x *Resource) PutSubHandler(prefix string, h *Resource) {
	if h == nil || prefix == "" || strings.Contains(prefix, separator) {
		panic(fmt.Sprintf("xmlrpc: PutSubHandler(%q, %p): bad prefix or nil handler", prefix, h))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.subs[prefix] = h
}

// SubHandler returns the sub-handler for prefix, or nil.
func (x *Resource) SubHandler(prefix string) *Resource {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.subs[prefix]
}

// subHandlers returns the prefixes of x's sub-handlers, sorted.
func (x *Resource) subHandlers() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return slices.Sorted(maps.Keys(x.subs))
}

// ListProcedures returns the names of the procedures registered on x
// itself, sorted; system.listMethods adds those of the sub-handlers.
func (x *Resource) ListProcedures() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return slices.Sorted(maps.Keys(x.procs))
}

// LookupProcedure returns the procedure a call names. A name holding the
// separator is looked up in the sub-handler for the part before the first
// one. A name that finds nothing gives a *Fault with code NotFound and
// Twisted's strings: "procedure NAME not found", or "no such subHandler
// PREFIX".
func (x *Resource) LookupProcedure(name string) (*Procedure, error) {
	// A loop, not a recursion: sub-handlers may form a cycle, and a call
	// of a few megabytes could then go round it millions of times.
	for {
		prefix, rest, ok := strings.Cut(name, separator)
		if !ok {
			break
		}
		h := x.SubHandler(prefix)
		if h == nil {
			return nil, &Fault{NotFound, "no such subHandler " + prefix}
		}
		x, name = h, rest
	}
	x.mu.RLock()
	p := x.procs[name]
	x.mu.RUnlock()
	if p == nil {
		return nil, &Fault{NotFound, "procedure " + name + " not found"}
	}
	return p, nil
}

// RenderPOST answers one method call. The response is 200 with
// Content-Type "text/xml; charset=utf-8" and a methodResponse holding the
// result or a fault, whatever happened, as Twisted answers; the request's
// Content-Type is not looked at, as Twisted does not. Only a body larger
// than the Site's MaxRequestBodySize gets an error page (413), before
// anything is parsed.
//
// The procedure runs on the request's goroutine and may block: this is
// how a procedure answers later, where Twisted's returns a Deferred. One
// that waits should take a context.Context (or the request) first and
// give up when it is done, which happens when the client goes away.
func (x *Resource) RenderPOST(r *request.Request) ([]byte, error) {
	body, err := r.Content()
	if err != nil {
		return nil, err
	}
	r.SetHeader("Content-Type", "text/xml; charset=utf-8")
	return x.answer(r, body), nil
}

// answer decodes a call, runs it and encodes what comes of it.
func (x *Resource) answer(r *request.Request, body []byte) []byte {
	var p *Procedure
	found := func(method string) (err error) {
		p, err = x.LookupProcedure(method)
		return err
	}
	o := decodeOptions{useDateTime: x.UseDateTime, maxDepth: x.MaxDepth, maxValues: x.MaxValues}
	method, params, err := decodeCall(body, o, found)
	if f, ok := err.(*Fault); ok {
		return appendFault(nil, f) // no such procedure: its parameters were not read
	}
	if err != nil {
		return appendFault(nil, &Fault{Failure, "Can't deserialize input: " + err.Error()})
	}
	result, err := x.run(r, p, method, params)
	if err != nil {
		return appendFault(nil, x.fault(r, method, err))
	}
	switch f := result.(type) {
	case *Fault:
		if f != nil {
			return appendFault(nil, f)
		}
	case Fault:
		return appendFault(nil, &f)
	}
	b, err := appendResponse(nil, result, x.AllowNone, x.MaxDepth)
	if err != nil {
		return appendFault(nil, &Fault{Failure, "Can't serialize output: " + err.Error()})
	}
	return b
}

// run calls the procedure. A panic in it is recovered and logged, and
// becomes an error, as an exception in a Twisted procedure becomes a
// failure; http.ErrAbortHandler goes on up.
func (x *Resource) run(r *request.Request, p *Procedure, method string, params []any) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			r.Logger().Error("xmlrpc: procedure panicked", "procedure", method, "panic", v, "stack", string(debug.Stack()))
			result, err = nil, errPanicked
		}
	}()
	return p.call(r, method, params)
}

var errPanicked = errors.New("xmlrpc: procedure panicked")

// fault returns the fault an error from a call is sent as: the Fault it is
// or wraps, else Failure with Twisted's string "error", after logging the
// error (unless the client left, which explains a context's error).
func (x *Resource) fault(r *request.Request, method string, err error) *Fault {
	var f *Fault
	if errors.As(err, &f) && f != nil {
		return f
	}
	gone := r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	if !gone && err != errPanicked {
		r.Logger().Error("xmlrpc: procedure failed", "procedure", method, "err", err)
	}
	return &Fault{Failure, "error"}
}
