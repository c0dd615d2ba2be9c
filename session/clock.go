package session

import "time"

// clock tells the time for a Manager, its in-memory sessions and, in a web
// Site, every request (through Manager.Now): the wall-clock time at which
// the clock was made plus the monotonic time elapsed since.
//
// Reading it takes one read of the monotonic clock where time.Now takes
// two (wall and monotonic), which on a busy server is a good part of what a
// session costs per request (BenchmarkGetSessionExisting in package site).
// And a step of the wall clock does not move it, so no deadline comes due
// early or late because of one. Inside a testing/synctest bubble a clock
// made in the bubble follows the bubble's fake time. A nil *clock reads
// time.Now.
type clock struct {
	epoch time.Time // with a monotonic reading
	base  int64     // epoch in unix nanoseconds
}

func newClock() *clock {
	now := time.Now()
	return &clock{epoch: now, base: now.UnixNano()}
}

// unixNano returns the clock's current time in nanoseconds since the Unix
// epoch.
func (c *clock) unixNano() int64 {
	if c == nil {
		return time.Now().UnixNano()
	}
	// time.Since of a time with a monotonic reading reads only the
	// monotonic clock.
	return c.base + int64(time.Since(c.epoch))
}
