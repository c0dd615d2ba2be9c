// Package session keeps the state of a web site's visitors between
// requests: Twisted Web's sessions (twisted.web.server.Session), in Go.
//
// The package knows nothing of HTTP. A web Site holds one [Manager], which
// makes a [Session] for each new visitor through a [Factory] and finds it
// again by the uid in the visitor's cookie:
//
//	m := session.NewManager(session.Options{Factory: session.WithTimeout(5 * time.Minute)})
//	defer m.Close()
//
//	s, err := m.Make()          // a new visitor
//	...
//	s, err = m.Access(uid)      // the next request: found and touched
//
// # Lifetime
//
// A Session is made by [New] (15 minutes idle, Twisted's default) or by a
// [Factory] from [WithTimeout] (Twisted's ShortSession) or [WithLifetime],
// which adds an absolute lifetime after which the session ends however
// active it is. Every access touches it (a Site's GetSession does so
// through [Manager.Access]): it then lives until [Session.Timeout] passes
// without one, or until its [Session.Lifetime] is over, whichever comes
// first; that instant is its [Session.Deadline]. [Session.Expire] ends it
// early, for a logout. Expiry is final: the session leaves its Manager,
// then its [Session.NotifyOnExpire] callbacks run once each, in
// registration order. A panicking callback is logged and the others still
// run.
//
// Session ids are random v4 UUIDs in canonical text form. A lookup parses
// the id without allocating and finds nothing for text that is not one, so
// a garbled cookie is never adopted. [Manager.Renew] moves a live session
// to a new id, keeping its data (for renewing the id at login).
//
// # Components
//
// A Session has one type for every site: application state lives in
// typed components, the Go spelling of Twisted's adapters (ICounter(session)
// becomes session.Component[Counter](s, newCounter)). [Component] reads
// the component of a type, making it with the constructor the first time;
// [Get] only reads; [Update] changes it atomically and [Delete] removes
// it. There is no registry: the constructor is passed at the call site.
// Components are values: a read returns a copy, and every change goes
// through Update, which never loses a concurrent change, so a component
// needs no locking of its own:
//
//	type Counter struct{ Value int }
//
//	err := session.Update(s, nil, func(c *Counter) error { c.Value++; return nil })
//	n := session.Component[Counter](s, nil).Value
//
// # Storage
//
// A Manager keeps its sessions in memory unless [Options].Store names a
// [Store], the one extension point: storage shared by the processes that
// serve one site, which outlives each of them. Package
// github.com/gotwisted/web/session/redisstore, a module of its own,
// implements it on Redis. The API does not change with the storage, but
// its costs and failures do:
//
//   - In memory, nothing fails: Touch, Expire, Update and Delete return
//     nil (or [ErrNotLive] for a session that ended).
//   - With a Store, a Session is this process's view of the stored
//     session, read once per request; reads of its components come from
//     that view, and every change is a round trip. When the Store cannot
//     be reached, the Manager's methods return errors wrapping
//     [ErrUnavailable] (a web Site answers 503), and no expiry callback
//     runs until the Store confirms that its session has ended.
//
// # Expiry in memory
//
// An in-memory Manager expires its sessions with one goroutine and one
// timer, armed for the earliest deadline in a min-heap. The goroutine
// starts with the first session and stops in [Manager.Close]; a Manager
// that never gets a session starts nothing. Touching is cheap because it
// does not reschedule: it only advances the access time with one atomic
// compare-and-swap, with no lock and no allocation. When a session's
// scheduled time comes, the scheduler reads its real deadline and either
// expires it or moves it down the heap to that deadline, so a busy session
// is rescheduled at most once per timeout however often it is touched
// (Twisted's DelayedCall.reset is lazy the same way). Sessions that are
// due together are taken off in batches, and their callbacks run
// afterwards, outside every lock, on the scheduler goroutine.
//
// Options.MaxSessions caps the number of live sessions (a million by
// default): making one beyond it first expires the session with the
// earliest deadline, callbacks and all.
//
// Every Manager tells the time with its own clock ([Manager.Now]): the
// wall-clock time at which it was made plus the monotonic time elapsed
// since. A step of the wall clock cannot expire every session at once. A
// Manager made inside a [testing/synctest] bubble runs on the bubble's
// fake clock, so tests of expiry need no sleeping.
//
// # Expiry with a Store
//
// The Store decides when a session ends, on its own clock, whichever
// process touched it last. Expiry callbacks are functions, so they stay in
// the process that registered them: a Manager keeps the sessions with
// callbacks registered through it in a min-heap of their deadlines and,
// when one comes due (or the Store's Watch says it may have ended
// elsewhere, also between the read of a session and the registration of
// its first callback), asks the Store. A session still live elsewhere is pushed
// back to its new deadline, one renamed elsewhere follows its new id, and
// only a confirmed end runs the callbacks, with the components as they
// were when the session ended. These two goroutines start with the first
// callback and stop in Close.
//
// # Concurrency
//
// Everything in the package is safe for concurrent use: Go serves requests
// in parallel, so two requests of one visitor may use the same session at
// once. Expiry callbacks run in whichever goroutine expires the session
// (the scheduler, a caller of Expire, a caller of Make that evicts) outside
// every lock, so they may use the session and the Manager freely, except
// that [Manager.Close] waits for the scheduler and so must not be called
// from a callback. They read the components as they were at the end,
// without waiting for an [Update] in progress, which then stores nothing.
package session
