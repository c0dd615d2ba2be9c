// Package session keeps the state of a web site's visitors between
// requests: Twisted Web's sessions (twisted.web.server.Session), in Go.
//
// The package knows nothing of HTTP. A web Site owns one [Store], makes a
// [Session] for each new visitor through a [Factory] and finds it again by
// the uid in the visitor's cookie:
//
//	st := session.NewStore(session.StoreOptions{})
//	defer st.Close()
//
//	s := session.WithTimeout(5 * time.Minute)(uuid.NewString())
//	if err := st.Add(s); err != nil { ... }
//	...
//	if s, ok := st.Get(uidFromCookie); ok {
//		s.TouchAt(st.Clock().Now()) // or s.Touch()
//	}
//
// # Lifetime
//
// A Session is made by [New] (15 minutes idle, Twisted's default) or by a
// [Factory] from [WithTimeout] (Twisted's ShortSession) or [WithLifetime],
// which adds an absolute lifetime after which the session ends however
// active it is. Every access should [Session.Touch] it (a Site does so in
// GetSession): it then lives until [Session.Timeout] passes without one, or
// until its [Session.Lifetime] is over, whichever comes first; that
// instant is its [Session.Deadline]. [Session.Expire] ends it early, for a
// logout. Expiry is final: the session leaves its Store, then its
// [Session.NotifyOnExpire] callbacks run once each, in registration order.
// A panicking callback is logged and the others still run.
//
// Session ids are v4 UUIDs in canonical text form. [Store.Get] parses the
// id without allocating and finds nothing for text that is not one, so a
// garbled cookie is never adopted. Lookups take only the read lock of one
// of 64 index shards, so they scale with cores. [Store.Rename] moves a
// live session to a new id, keeping its data (for renewing the id at
// login).
//
// # Expiry scheduler
//
// Each Store expires its sessions with one goroutine and one timer, armed
// for the earliest deadline in a min-heap. The goroutine starts with the
// first [Store.Add] and stops in [Store.Close]; a Store that never gets a
// session starts nothing. Touching is cheap because it does not reschedule:
// [Session.TouchAt] only advances the access time with one atomic
// compare-and-swap, with no lock and no allocation. When a session's
// scheduled time comes, the scheduler reads its real deadline and either
// expires it or moves it down the heap to that deadline, so a busy session
// is rescheduled at most once per timeout however often it is touched
// (Twisted's DelayedCall.reset is lazy the same way). Sessions that are
// due together are taken off in batches under the Store's lock, and their
// callbacks run afterwards, outside it, on the scheduler goroutine.
//
// StoreOptions.MaxSessions caps the number of live sessions (a million by
// default): adding beyond it first expires the session with the earliest
// deadline, callbacks and all.
//
// Every Store tells the time with its own [Clock]: the wall-clock time at
// which the Store was made plus the monotonic time elapsed since. Reading
// it costs one clock read instead of time.Now's two, and a step of the wall
// clock cannot expire every session at once. A Store made inside a
// [testing/synctest] bubble runs on the bubble's fake clock, so tests of
// expiry need no sleeping.
//
// # Components
//
// A Session has one type for every site: application state lives in
// typed components, the Go spelling of Twisted's adapters (ICounter(session)
// becomes session.Component[*Counter](s, newCounter)). [Component] gets or
// makes the component of a type, [Get], [Set] and [Delete] read, replace
// and remove it. There is no registry: the constructor is passed at the
// call site.
//
// # Concurrency
//
// Everything in the package is safe for concurrent use: Go serves requests
// in parallel, so two requests of one visitor may use the same Session at
// once. A component shared that way needs its own synchronization (an
// atomic counter, a mutex in the struct). Expiry callbacks run in whichever
// goroutine expires the session (the scheduler, a caller of Expire, a
// caller of Add that evicts) outside every lock, so they may use the
// session and the store freely, except that [Store.Close] waits for the
// scheduler and so must not be called from a callback.
package session
