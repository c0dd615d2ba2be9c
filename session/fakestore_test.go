package session_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/gotwisted/web/session"
)

// fakeStore is a session.Store in memory, shared by the Managers of a test
// as Redis is by processes. Its clock is time.Now, so it runs on a
// synctest bubble's fake time. down makes every method fail, as an
// unreachable store does.
type fakeStore struct {
	mu       sync.Mutex
	recs     map[string]*fakeRec
	watchers map[*watcherReg]bool
	down     bool
	calls    int // calls to the Store's methods, Watch excepted
	grace    time.Duration
}

type watcherReg struct{ notify func(string) }

type fakeRec struct {
	timeout, lifetime time.Duration
	created, last     time.Time
	deadline          time.Time
	ended             bool
	renamedTo         string
	comps             map[string][]byte
}

var errDown = errors.New("fake store: down")

func newFakeStore() *fakeStore {
	return &fakeStore{recs: map[string]*fakeRec{}, watchers: map[*watcherReg]bool{}, grace: time.Minute}
}

// lock takes st.mu and fails if the store is down.
func (st *fakeStore) lock() error {
	st.mu.Lock()
	st.calls++
	if st.down {
		st.mu.Unlock()
		return errDown
	}
	return nil
}

// get returns the record of uid, nil if the store dropped it (Grace after
// its end).
func (st *fakeStore) getLocked(uid string) *fakeRec {
	r := st.recs[uid]
	if r != nil && time.Now().After(r.deadline.Add(st.grace)) {
		delete(st.recs, uid)
		return nil
	}
	return r
}

func (r *fakeRec) live() bool {
	return r.renamedTo == "" && !r.ended && time.Now().Before(r.deadline)
}

func (r *fakeRec) record(uid string) *session.Record {
	return &session.Record{
		UID: uid, Timeout: r.timeout, Lifetime: r.lifetime,
		Created: r.created, LastAccess: r.last, Deadline: r.deadline, Now: time.Now(),
		Components: maps.Clone(r.comps),
		Ended:      r.ended || !time.Now().Before(r.deadline),
		RenamedTo:  r.renamedTo,
	}
}

func (st *fakeStore) Create(_ context.Context, rec *session.Record) error {
	if err := st.lock(); err != nil {
		return err
	}
	defer st.mu.Unlock()
	if st.getLocked(rec.UID) != nil {
		return session.ErrDuplicateUID
	}
	now := time.Now()
	r := &fakeRec{timeout: rec.Timeout, lifetime: rec.Lifetime, created: now, last: now, comps: maps.Clone(rec.Components)}
	r.deadline = now.Add(r.timeout)
	if r.lifetime > 0 {
		r.deadline = earliest(r.deadline, now.Add(r.lifetime))
	}
	st.recs[rec.UID] = r
	*rec = *r.record(rec.UID)
	return nil
}

func (st *fakeStore) Load(_ context.Context, uid string, touch bool) (*session.Record, error) {
	if err := st.lock(); err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	r := st.getLocked(uid)
	if r == nil || !r.live() {
		return nil, session.ErrNotFound
	}
	if touch {
		r.last = time.Now()
		r.deadline = r.last.Add(r.timeout)
		if r.lifetime > 0 {
			r.deadline = earliest(r.deadline, r.created.Add(r.lifetime))
		}
	}
	return r.record(uid), nil
}

func (st *fakeStore) Update(_ context.Context, uid, name string, old, data []byte) ([]byte, error) {
	if err := st.lock(); err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	r := st.getLocked(uid)
	if r == nil || !r.live() {
		return nil, session.ErrNotFound
	}
	cur, ok := r.comps[name]
	if ok != (old != nil) || !bytes.Equal(cur, old) {
		return bytes.Clone(cur), session.ErrConflict
	}
	if data == nil {
		delete(r.comps, name)
	} else {
		if r.comps == nil {
			r.comps = map[string][]byte{}
		}
		r.comps[name] = bytes.Clone(data)
	}
	return nil, nil
}

func (st *fakeStore) Expire(_ context.Context, uid string) (*session.Record, error) {
	if err := st.lock(); err != nil {
		return nil, err
	}
	r := st.getLocked(uid)
	if r != nil && r.renamedTo != "" {
		st.mu.Unlock()
		return &session.Record{UID: uid, RenamedTo: r.renamedTo, Now: time.Now()}, nil
	}
	if r == nil || !r.live() {
		st.mu.Unlock()
		return nil, session.ErrNotFound
	}
	r.ended = true
	r.deadline = time.Now()
	rec := r.record(uid)
	st.publishLocked(uid)
	return rec, nil
}

func (st *fakeStore) Rename(_ context.Context, uid, newUID string) error {
	if err := st.lock(); err != nil {
		return err
	}
	r := st.getLocked(uid)
	switch {
	case r == nil || !r.live():
		st.mu.Unlock()
		return session.ErrNotFound
	case st.getLocked(newUID) != nil:
		st.mu.Unlock()
		return session.ErrDuplicateUID
	}
	moved := *r
	st.recs[newUID] = &moved
	r.renamedTo = newUID
	r.comps = nil
	st.publishLocked(uid)
	return nil
}

func (st *fakeStore) Check(_ context.Context, uid string) (*session.Record, error) {
	if err := st.lock(); err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	r := st.getLocked(uid)
	if r == nil {
		return nil, session.ErrNotFound
	}
	return r.record(uid), nil
}

// publishLocked tells every watcher of uid, then unlocks st.mu.
func (st *fakeStore) publishLocked(uid string) {
	var ws []*watcherReg
	for w := range st.watchers {
		ws = append(ws, w)
	}
	st.mu.Unlock()
	for _, w := range ws {
		w.notify(uid)
	}
}

func (st *fakeStore) Watch(ctx context.Context, notify func(string)) error {
	w := &watcherReg{notify: notify}
	st.mu.Lock()
	st.watchers[w] = true
	st.mu.Unlock()
	notify("")
	<-ctx.Done()
	st.mu.Lock()
	delete(st.watchers, w)
	st.mu.Unlock()
	return nil
}

func (st *fakeStore) Codec() session.Codec { return nil }

// setDown makes the store unreachable, or reachable again; coming back it
// tells its watchers that notices may have been missed, as a resubscribe
// does.
func (st *fakeStore) setDown(down bool) {
	st.mu.Lock()
	st.down = down
	var ws []*watcherReg
	if !down {
		for w := range st.watchers {
			ws = append(ws, w)
		}
	}
	st.mu.Unlock()
	for _, w := range ws {
		w.notify("")
	}
}

func (st *fakeStore) callCount() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.calls
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
