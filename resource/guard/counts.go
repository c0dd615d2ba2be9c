package guard

import (
	"container/heap"
	"fmt"
	"sync"
	"time"
)

// DefaultMaxNonces is how many nonces a Digest remembers the nonce counts
// of when its MaxNonces is zero: about 10 MB at most.
const DefaultMaxNonces = 100_000

// countWindow is how far below the highest nonce count of a nonce a count
// is still accepted (once): browsers send requests on parallel
// connections, so counts arrive out of order.
const countWindow = 64

// nonceID names a nonce: its time and random bytes, which its MAC signs.
type nonceID [16]byte

// counted is what a Digest remembers of one nonce: the nonce counts it
// has accepted with it. Bit i of seen is set when the count top-i was
// accepted, for i below countWindow.
type counted struct {
	id   nonceID
	made int64 // when the nonce was made, in Unix nanoseconds
	top  uint32
	seen uint64
}

// accept records the count nc and reports whether it was new: not
// accepted before, and not more than countWindow-1 below the highest.
func (c *counted) accept(nc uint32) bool {
	if nc > c.top {
		if d := nc - c.top; d < countWindow {
			c.seen = c.seen<<d | 1
		} else {
			c.seen = 1
		}
		c.top = nc
		return true
	}
	d := c.top - nc
	if d >= countWindow || c.seen&(1<<d) != 0 {
		return false
	}
	c.seen |= 1 << d
	return true
}

// counts is the record of the nonce counts a Digest has accepted, per
// nonce, so that each response is accepted once (RFC 7616 §3.4).
// It holds at most a set number of nonces, and forgets a nonce when the
// nonce expires or, to make room, the oldest first; a nonce forgotten for
// room, and any nonce made before it, is then stale. The zero value is
// ready to use.
type counts struct {
	mu    sync.Mutex // guards the following
	index map[nonceID]int
	byAge ageHeap
	floor int64 // a nonce made at or before this, and not in index, was forgotten for room
}

// Errors for a response the record refuses; both are stale, so the client
// may retry at once with the fresh nonce of the new challenge, without
// asking its user again: the response was right, only used before.
var (
	errCountUsed   = fmt.Errorf("%w: nonce count used before, or too far below the highest", ErrStale)
	errNonceForgot = fmt.Errorf("%w: nonce forgotten to make room for newer ones", ErrStale)
)

// use records that a response with the nonce count nc was accepted for
// the nonce id made at made, or returns why it may not be: the count was
// used before or is below the window, or the nonce was forgotten. Nonces
// made more than lifetime before now are forgotten first; then, when limit
// nonces are held, the oldest.
func (c *counts) use(id nonceID, made time.Time, nc uint32, now time.Time, lifetime time.Duration, limit int) error {
	if limit <= 0 {
		limit = DefaultMaxNonces
	}
	t := made.UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.index == nil {
		c.index = make(map[nonceID]int)
		c.byAge.index = c.index
	}
	expired := now.Add(-lifetime).UnixNano()
	for len(c.byAge.recs) > 0 && c.byAge.recs[0].made < expired {
		c.popLocked()
	}
	if i, ok := c.index[id]; ok {
		if !c.byAge.recs[i].accept(nc) {
			return errCountUsed
		}
		return nil
	}
	if t <= c.floor {
		return errNonceForgot
	}
	if len(c.byAge.recs) >= limit {
		if oldest := c.byAge.recs[0].made; t < oldest {
			// The newcomer is the oldest: it is the one to forget.
			c.floor = t
			return errNonceForgot
		}
		c.floor = max(c.floor, c.popLocked().made)
	}
	heap.Push(&c.byAge, counted{id: id, made: t, top: nc, seen: 1})
	return nil
}

// popLocked forgets the oldest nonce and returns it. c.mu must be held.
func (c *counts) popLocked() counted {
	return heap.Pop(&c.byAge).(counted)
}

// held returns the number of nonces remembered.
func (c *counts) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byAge.recs)
}

// ageHeap is a min-heap of the remembered nonces by the time they were
// made, which keeps index (each nonce's place in recs) up to date.
type ageHeap struct {
	recs  []counted
	index map[nonceID]int
}

func (h *ageHeap) Len() int           { return len(h.recs) }
func (h *ageHeap) Less(i, j int) bool { return h.recs[i].made < h.recs[j].made }

func (h *ageHeap) Swap(i, j int) {
	h.recs[i], h.recs[j] = h.recs[j], h.recs[i]
	h.index[h.recs[i].id] = i
	h.index[h.recs[j].id] = j
}

func (h *ageHeap) Push(x any) {
	c := x.(counted)
	h.index[c.id] = len(h.recs)
	h.recs = append(h.recs, c)
}

func (h *ageHeap) Pop() any {
	last := len(h.recs) - 1
	c := h.recs[last]
	h.recs = h.recs[:last]
	delete(h.index, c.id)
	return c
}
