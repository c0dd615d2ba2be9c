package session

// expiryHeap is a 4-ary min-heap of sessions by scheduled deadline: half
// the depth of a binary heap, and the four children of a slot share a
// cache line, which matters once a million sessions no longer fit in the
// cache. The
// scheduled deadline (due) sits in the slot, next to the pointer, so that
// sifting compares without touching the sessions; each session keeps its
// slot number in index so that Expire can take it out in O(log n).
//
// due is never later than the session's real deadline, since touches only
// move the real deadline forward; the scheduler corrects it lazily when it
// comes due. All methods need the owning Store's mu held.
type expiryHeap []slot

type slot struct {
	due int64 // scheduled deadline, unix nanoseconds
	s   *Session
}

// push adds s with deadline due. O(log n).
func (h *expiryHeap) push(due int64, s *Session) {
	*h = append(*h, slot{due, s})
	i := len(*h) - 1
	s.index = int32(i)
	h.up(i)
}

// pop removes and returns the session with the earliest due. O(log n).
func (h *expiryHeap) pop() *Session {
	return h.remove(0)
}

// remove removes and returns the session in slot i. O(log n).
func (h *expiryHeap) remove(i int) *Session {
	old := *h
	n := len(old) - 1
	s := old[i].s
	if i != n {
		old[i] = old[n]
		old[i].s.index = int32(i)
	}
	old[n] = slot{}
	*h = old[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	s.index = -1
	return s
}

// up moves slot i towards the root while it is earlier than its parent.
func (h expiryHeap) up(i int) {
	x := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if h[p].due <= x.due {
			break
		}
		h[i] = h[p]
		h[i].s.index = int32(i)
		i = p
	}
	h[i] = x
	x.s.index = int32(i)
}

// down moves slot i towards the leaves while a child is earlier. It
// reports whether the slot moved.
func (h expiryHeap) down(i0 int) bool {
	n := len(h)
	i := i0
	x := h[i]
	for {
		first := 4*i + 1
		if first >= n || first < 0 {
			break
		}
		c := first
		for j := first + 1; j < first+4 && j < n; j++ {
			if h[j].due < h[c].due {
				c = j
			}
		}
		if x.due <= h[c].due {
			break
		}
		h[i] = h[c]
		h[i].s.index = int32(i)
		i = c
	}
	h[i] = x
	x.s.index = int32(i)
	return i > i0
}
