package request

import (
	"github.com/gotwisted/web/session"
)

// This file holds how a session that this request made is stored before
// its cookie goes out: each session cookie the response owes has a state
// (cookieState), and the methods that send the headers first store the
// sessions whose cookies wait, with r.mu released meanwhile, and wait for
// a store that another goroutine began.

// cookieState is what the response owes the cookie of one of the
// Request's sessions (Request.cookie). A session that this request made
// (or renewed) is stored before its cookie goes out (see
// saveSessionsLocked). The two settled states come first, so that
// unsettledLocked is one comparison.
type cookieState uint8

const (
	noCookie      cookieState = iota // none to send, or its session could not be stored
	cookieSaved                      // its session is stored: the cookie goes out with the headers
	cookieUnsaved                    // to send once its session is stored
	cookieSaving                     // its session is being stored, without r.mu
)

// unsettledLocked reports whether a cookie the headers must carry waits
// for the store of its session (cookieUnsaved or cookieSaving). r.mu must
// be held.
func (r *Request) unsettledLocked() bool {
	return r.cookie[0]|r.cookie[1] >= cookieUnsaved
}

// saveSessionsLocked is called, with r.mu held, by a method that may send
// the headers, before it does: it stores the sessions whose cookies they
// must carry. A shared store keeps a new session from its first change,
// and one without any is stored just before its cookie goes out (see
// session.Manager.Save), lest the visitor come back with the uid of a
// session stored nowhere. That store is a round trip, as long as the
// store's client waits when the store is down, so it is made with r.mu
// released: meanwhile the Request's other methods answer, to other
// goroutines (the server ending the request, a resource's goroutine) and
// to what the store may call. A method that would send the headers
// meanwhile waits for that store, also without r.mu, and does not store
// the session again; the headers then go out once, after it. If the
// response ends or is hijacked first, that method returns at once,
// without waiting for the store, which sends nothing any more. A session
// that cannot be stored loses its cookie, and the first such failure of
// this call is returned (it wraps session.ErrUnavailable). r.mu is held
// again on return, but the response may have ended, or its headers gone
// out, meanwhile. Defer the unlock of r.mu after the call, not before:
// if the store panics, the panic leaves r.mu released (see saveUnlocked).
func (r *Request) saveSessionsLocked() error {
	if !r.unsettledLocked() {
		return nil // no cookie waits (most requests): nothing to store
	}
	return r.saveLocked(false)
}

// sendSessionsLocked is saveSessionsLocked for a method that sends the
// headers even when a session's cookie is dropped: the failure is logged.
func (r *Request) sendSessionsLocked() {
	if r.unsettledLocked() {
		_ = r.saveLocked(true)
	}
}

// saveLocked is saveSessionsLocked's work, logging the failure if log.
func (r *Request) saveLocked(log bool) error {
	var failed error
	for r.unsettledLocked() && !r.wroteHeader && r.endableLocked() == nil {
		var todo [2]*session.Session
		store := false
		for i, c := range r.cookie {
			if c != cookieUnsaved {
				continue
			}
			if todo[i] = r.sessionLocked(i); todo[i] == nil {
				r.cookie[i] = noCookie // (never: a slot with a cookie owed holds its session)
				continue
			}
			r.cookie[i] = cookieSaving
			store = true
		}
		if store {
			if err := r.saveUnlocked(todo); failed == nil {
				failed = err
			}
			continue
		}
		// Another goroutine stores them: wait for it.
		r.extLocked()
		if r.saved == nil {
			r.saved = make(chan struct{})
		}
		c := r.saved
		r.mu.Unlock()
		<-c
		r.mu.Lock()
	}
	if failed != nil && log {
		r.logUnsaved(failed)
	}
	return failed
}

// logUnsaved logs err, the failure of a store that dropped the cookie of a
// new session, for a method that does not return it.
func (r *Request) logUnsaved(err error) {
	r.Logger().Error("session: not stored; its cookie is not sent", "uri", r.URI(), "err", err)
}

// saveUnlocked stores the sessions of todo, which saveLocked marked
// cookieSaving, with r.mu released meanwhile; then it records the outcome
// and wakes whoever waits for it (savedLocked). It returns the first
// failure. r.mu must be held; it is held again on return, but not if the
// store panics: the panic goes on with r.mu released, as from a method
// that holds it under a deferred unlock, the cookies of the sessions not
// stored dropped and their waiters woken.
func (r *Request) saveUnlocked(todo [2]*session.Session) error {
	var errs [2]error
	done := 0 // the slots of todo the store returned for
	r.mu.Unlock()
	defer func() {
		if done < len(todo) { // the store panicked
			r.mu.Lock()
			r.savedLocked(todo, &errs, done)
			r.mu.Unlock()
		}
	}()
	for i, s := range todo {
		if s != nil {
			errs[i] = r.cfg.Sessions.Save(s)
		}
		done = i + 1
	}
	r.mu.Lock()
	return r.savedLocked(todo, &errs, done)
}

// savedLocked records the outcome of saveUnlocked's store of todo, whose
// first done slots returned errs, and wakes whoever waits for it. It
// returns the first failure. r.mu must be held.
func (r *Request) savedLocked(todo [2]*session.Session, errs *[2]error, done int) error {
	var failed error
	for i, s := range todo {
		// A GetSession may have put a new session in the slot
		// meanwhile, whose cookie waits for a store of its own.
		if s == nil || r.sessionLocked(i) != s || r.cookie[i] != cookieSaving {
			continue
		}
		if i < done && errs[i] == nil {
			r.cookie[i] = cookieSaved
			continue
		}
		r.cookie[i] = noCookie
		if failed == nil {
			failed = errs[i]
		}
	}
	r.wakeSaveWaitersLocked()
	return failed
}

// wakeSaveWaitersLocked wakes the methods waiting for a store of sessions
// (saveLocked), when it ends, or when the response ends or is hijacked
// (they then send nothing, and need not wait for the store any more).
// r.mu must be held.
func (r *Request) wakeSaveWaitersLocked() {
	if r.more != nil && r.saved != nil {
		close(r.saved)
		r.saved = nil
	}
}
