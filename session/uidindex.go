package session

import (
	"slices"
	"sync"
	"unsafe"

	"github.com/google/uuid"
)

// This file holds the uid index of a memStore: the live sessions by uid, in
// 64 shards, each its own map and lock, so that lookups on different cores
// rarely share a lock, and each map rebuilt smaller once most of it has
// gone (a Go map never gives back the memory of deleted entries).

// nShards is the number of uid index shards of a memStore, a power of two.
const nShards = 64

type shard struct {
	mu   sync.RWMutex
	m    map[uuid.UUID]*Session                           // nil until the first Add
	peak int                                              // the most entries m has held since it was made
	_    [64 - (unsafe.Sizeof(sync.RWMutex{})+16)%64]byte // a cache line each, against false sharing
}

// shrinkLocked makes a new, smaller map for the shard once it holds less
// than a quarter of what it once did: a Go map never gives back the memory
// of its deleted entries, so after a flood of sessions expires the index
// would keep the flood's size for good. Copying is linear in what remains,
// and happens only after that many deletes. sh.mu must be held.
func (sh *shard) shrinkLocked() {
	if sh.peak < 1024 || len(sh.m) >= sh.peak/4 {
		return
	}
	m := make(map[uuid.UUID]*Session, len(sh.m))
	for id, s := range sh.m {
		m[id] = s
	}
	sh.m = m
	sh.peak = len(m)
}

// shardOf returns the shard that indexes id. The bytes are random in a v4
// UUID.
func (st *memStore) shardOf(id uuid.UUID) *shard {
	return &st.shards[shardIndex(id)]
}

func shardIndex(id uuid.UUID) int {
	return int((id[0] ^ id[15]) & (nShards - 1))
}

// lookupLocked returns the live session with id. st.mu must be held.
func (st *memStore) lookupLocked(id uuid.UUID) *Session {
	return st.shardOf(id).m[id]
}

// indexLocked makes id name s. st.mu must be held.
func (st *memStore) indexLocked(id uuid.UUID, s *Session) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[uuid.UUID]*Session)
	}
	sh.m[id] = s
	sh.peak = max(sh.peak, len(sh.m))
	sh.mu.Unlock()
}

// unindexScratch is the scheduler's buffer for unindexBatchLocked.
type unindexScratch struct {
	ids []uuid.UUID
}

// unindexBatchLocked removes the sessions of b from the index, grouped by
// shard so that each shard is locked once. Between the locks (atomic
// instructions, which are fences) the CPU can overlap the cache misses of
// consecutive deletes, which a million-entry index makes the main cost of
// expiry. st.mu must be held.
func (st *memStore) unindexBatchLocked(b []expiring, scratch *unindexScratch) {
	var start [nShards + 1]int
	for _, e := range b {
		start[shardIndex(e.s.id)+1]++
	}
	for i := 1; i <= nShards; i++ {
		start[i] += start[i-1]
	}
	ids := slices.Grow(scratch.ids[:0], len(b))[:len(b)]
	next := start
	for _, e := range b {
		i := shardIndex(e.s.id)
		ids[next[i]] = e.s.id
		next[i]++
	}
	for i := range nShards {
		if start[i] == start[i+1] {
			continue
		}
		sh := &st.shards[i]
		sh.mu.Lock()
		for _, id := range ids[start[i]:start[i+1]] {
			delete(sh.m, id)
		}
		sh.shrinkLocked()
		sh.mu.Unlock()
	}
	scratch.ids = ids[:0]
}

// unindexLocked removes id from the index. st.mu must be held.
func (st *memStore) unindexLocked(id uuid.UUID) {
	sh := st.shardOf(id)
	sh.mu.Lock()
	delete(sh.m, id)
	sh.shrinkLocked()
	sh.mu.Unlock()
}
