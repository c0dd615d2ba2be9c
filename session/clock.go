package session

import "time"

// A Clock tells the time for a [Store], the sessions in it and, in a web
// Site, every request: the wall-clock time at which the Clock was made plus
// the monotonic time elapsed since. Every Store has one (see
// [Store.Clock]).
//
// A Clock differs from [time.Now] in two ways. Reading it takes one read of
// the monotonic clock where time.Now takes two (wall and monotonic), which
// on a busy server is a good part of what a session costs per request. And
// a step of the wall clock (an administrator, a virtual machine resumed)
// does not move it, so no deadline comes due early or late because of one:
// a session expires after its timeout has elapsed, not when the calendar
// says so. Its times therefore drift from the wall clock by any steps made
// since it was started, and, as Go's monotonic clock does, it does not
// advance while the machine is suspended: timeouts count running time.
//
// Inside a [testing/synctest] bubble a Clock made in the bubble follows the
// bubble's fake time. A nil *Clock reads [time.Now]. A Clock is safe for
// concurrent use.
type Clock struct {
	epoch time.Time // with a monotonic reading
	base  int64     // epoch in unix nanoseconds
}

// NewClock returns a Clock started now.
func NewClock() *Clock {
	now := time.Now()
	return &Clock{epoch: now, base: now.UnixNano()}
}

// Now returns the current time of the Clock. It has no monotonic reading:
// compare it with other times of the same Clock.
func (c *Clock) Now() time.Time { return time.Unix(0, c.UnixNano()) }

// UnixNano returns the current time of the Clock in nanoseconds since the
// Unix epoch: Now().UnixNano(), without building a time.Time.
func (c *Clock) UnixNano() int64 {
	if c == nil {
		return time.Now().UnixNano()
	}
	// time.Since of a time with a monotonic reading reads only the
	// monotonic clock.
	return c.base + int64(time.Since(c.epoch))
}
