package session

// AddQuiet adds s to st without starting or waking the scheduler, so that
// benchmarks can pile up due sessions before the scheduler sees them. The
// next Add starts (or wakes) it.
func AddQuiet(st *Store, s *Session) error { return st.add(s, false) }

// HeapLen returns the number of sessions in st's expiry heap.
func HeapLen(st *Store) int {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.h)
}
