package session

// This file holds what a full in-memory store evicts to make room for a new
// session: among the sessions no request has come back with, the one with
// the earliest deadline (freshHeap keeps them in that order), so that a
// flood of cookieless clients cannot push out the visitors who return.

// evictLocked takes one session out of a full store and marks it expired,
// so that clients which never send their cookie back can neither exhaust
// memory nor push out the sessions of visitors who do: the session it
// takes is, among those no request has come back with (see returned), the
// one with the earliest deadline; only when every live session has been
// used on two requests or more does it take the earliest deadline of all.
// It reports false if the session had already been marked by a concurrent
// Expire, which will run the callbacks itself. st.mu must be held.
func (st *memStore) evictLocked() (expiring, bool) {
	var s *Session
	for len(st.fresh) > 0 && s == nil {
		e := st.fresh.pop()
		// The entry is stale if its session ended, came back, or was
		// evicted already; it is dropped either way.
		if e.s.index >= 0 && !returned(e.s) && st.lookupLocked(e.s.id) == e.s {
			s = e.s
		}
	}
	if s == nil {
		s = st.h[0].s
	}
	st.h.remove(int(s.index))
	st.unindexLocked(s.id)
	s.mu.Lock()
	cbs, ok := s.markExpiredLocked()
	s.mu.Unlock()
	return expiring{s, cbs}, ok
}

// returned reports whether a request came back with s since the one that
// made it: whether it was touched after it was made.
func returned(s *Session) bool { return s.last.Load() != s.created.Load() }

// freshHeap is a binary min-heap of the sessions of a memStore that no
// request had come back with when they were added, by deadline: the ones
// eviction takes first. Entries are not removed when their session
// expires or comes back; evictLocked skips them, and compact drops them
// when they outnumber the live sessions.
type freshHeap []slot

func (h *freshHeap) push(due int64, s *Session) {
	*h = append(*h, slot{due, s})
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].due <= a[i].due {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *freshHeap) pop() slot {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = slot{}
	a = a[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].due < a[c].due {
			c++
		}
		if a[i].due <= a[c].due {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top
}

// compact returns a new heap of the entries whose sessions are still live
// and have not come back. The owning memStore's mu must be held.
func (h freshHeap) compact() freshHeap {
	var out freshHeap
	for _, e := range h {
		if e.s.index >= 0 && !e.s.expired.Load() && !returned(e.s) {
			out.push(e.due, e.s)
		}
	}
	return out
}
