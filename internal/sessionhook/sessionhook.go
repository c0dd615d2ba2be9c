// Package sessionhook lets the inspector (package resource/inspect) see
// what the session package does not publish: the components and waiting
// callbacks of a live session, and the end of each session, when, why and
// with how many callbacks run. It adds nothing to the session package's
// API: session.Manager embeds a [Hook] under an unexported alias (type hook
// = sessionhook.Hook), as package introspect's Node is embedded, and only
// this package can name its method.
package sessionhook

import (
	"sync/atomic"
	"time"
)

// Why a session ended.
const (
	Timeout  = "timeout"                   // nobody used it for its timeout
	Lifetime = "lifetime"                  // its absolute lifetime was over
	Expired  = "Expire"                    // the program called its Expire
	Evicted  = "evicted"                   // the store was full and needed room
	Shared   = "ended in the shared store" // its timeout there, or another process's Expire
)

// An Ending is the end of one session.
type Ending struct {
	UID        string    // whole: the inspector shortens it
	At         time.Time // on the Manager's clock
	Why        string    // Timeout, Lifetime, Expired or Evicted
	Callbacks  int       // how many expiry callbacks ran
	Components []string  // the Go types of its components
}

// Stats is what a live session does not publish.
type Stats struct {
	Callbacks  int      // expiry callbacks waiting
	Components []string // the Go types of its components
}

// A Hook is embedded by a session Manager. Its zero value watches nothing.
type Hook struct {
	ended atomic.Pointer[func(Ending)] // set by Watch
	stats func(s any) Stats            // set by Init, before the store is shared
}

func (h *Hook) sessionHook() *Hook { return h }

// Init gives h the function that tells a live session's Stats. The Manager
// calls it when it is made, before anything else can reach h.
func Init(h *Hook, stats func(s any) Stats) { h.stats = stats }

// Of returns the Hook of v, a session Manager, or nil.
func Of(v any) *Hook {
	if s, ok := v.(interface{ sessionHook() *Hook }); ok {
		return s.sessionHook()
	}
	return nil
}

// Watch makes f hear of every session that ends from now on, replacing
// any earlier watcher. f runs in the goroutine that ended the session,
// after its callbacks; it must be quick.
func Watch(h *Hook, f func(Ending)) { h.ended.Store(&f) }

// Watched reports whether someone watches h's endings, so that the store
// builds an Ending only then.
func Watched(h *Hook) bool { return h.ended.Load() != nil }

// End tells h's watcher, if any, of e.
func End(h *Hook, e Ending) {
	if f := h.ended.Load(); f != nil {
		(*f)(e)
	}
}

// StatsOf returns the Stats of s, a live session of the Manager h belongs
// to.
func StatsOf(h *Hook, s any) Stats {
	if h.stats == nil {
		return Stats{}
	}
	return h.stats(s)
}
