package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/session"
)

// Defaults of Options.
const (
	DefaultPrefix       = "session:"
	DefaultReturnWithin = time.Minute
	DefaultGrace        = time.Minute
)

// Options configures a [Store]. The zero value means all defaults.
type Options struct {
	// Prefix starts the key of every session (followed by its uid) and
	// the name of the Pub/Sub channel on which the instances tell one
	// another of ended and renamed sessions (followed by "events").
	// Instances that share sessions must share it; sites that must not
	// share them, on one Redis, need different prefixes. Empty means
	// DefaultPrefix.
	Prefix string

	// Codec encodes the sessions' components; nil means session.GobCodec.
	// Instances that share sessions must share it.
	Codec session.Codec

	// ReturnWithin bounds the life of a session whose visitor never came
	// back: a session that no request has brought back with its cookie
	// (through GetSession, which touches it) ends ReturnWithin after it
	// was made, whatever its timeout, so that clients which never send
	// their cookie back (bots, a flood) cost Redis memory for that long
	// only. Once its visitor comes back, its own timeouts apply. Zero
	// means DefaultReturnWithin; negative means no bound. Raise it if a
	// first page can be read longer than that before the visitor's next
	// request and keeps what matters in the session.
	ReturnWithin time.Duration

	// Grace is how long Redis keeps a session's data after it ended, so
	// that the instances that watch it can run its expiry callbacks with
	// its components as they were. An instance that cannot reach Redis
	// for longer runs them without. Zero means DefaultGrace.
	Grace time.Duration
}

// Store keeps sessions in Redis, shared by every Manager (every web Site)
// that uses a Store with the same Redis and Prefix. It implements
// session.Store; give it to a Site as its SessionStore.
//
// A Store holds no goroutine of its own and needs no closing; close the
// Redis client after the Sites that use it. It is safe for concurrent use.
type Store struct {
	client       redis.UniversalClient
	prefix       string
	channel      string
	codec        session.Codec
	returnWithin int64 // milliseconds; 0: none
	grace        int64 // milliseconds, > 0

	// hints remember the sessions this process touched lately (see
	// Load), one per slot, a later session taking a slot over.
	epoch time.Time // hints' clock: monotonic time since New
	hints [hintSlots]atomic.Pointer[hint]
}

// hintSlots is the number of sessions whose last touch a Store remembers.
const hintSlots = 1024

// hint says that a touch of session uid before the Store's clock reads
// until would not move its deadline enough to be written.
type hint struct {
	uid   string
	until time.Duration
}

var _ session.Store = (*Store)(nil)

// New returns a Store on client, configured by opts. It sends nothing to
// Redis until the Store is used.
func New(client redis.UniversalClient, opts Options) *Store {
	if client == nil {
		panic("redisstore: New(nil, ...)")
	}
	st := &Store{
		client: client,
		prefix: opts.Prefix,
		codec:  opts.Codec,
		epoch:  time.Now(),
	}
	if st.prefix == "" {
		st.prefix = DefaultPrefix
	}
	st.channel = st.prefix + "events"
	switch rw := opts.ReturnWithin; {
	case rw == 0:
		st.returnWithin = DefaultReturnWithin.Milliseconds()
	case rw > 0:
		st.returnWithin = max(rw.Milliseconds(), 1)
	}
	st.grace = DefaultGrace.Milliseconds()
	if opts.Grace > 0 {
		st.grace = max(opts.Grace.Milliseconds(), 1)
	}
	return st
}

// Codec returns the Codec of the components, as Options.Codec said.
func (st *Store) Codec() session.Codec { return st.codec }

func (st *Store) key(uid string) string { return st.prefix + uid }

// Create stores a new session (one round trip): one SET with a time to
// live, which needs no clock, since the key's time to live carries the
// deadline until the session's first touch. The key is not checked for
// being free first: its name holds a fresh random (version 4) UUID. The
// times it fills in are this process's estimates; Deadline-Now, the
// session's first life, is exact.
func (st *Store) Create(ctx context.Context, rec *session.Record) error {
	life := ms(rec.Timeout)
	if l := ms(rec.Lifetime); l > 0 {
		life = min(life, l)
	}
	var n int64
	if st.returnWithin > 0 {
		n = st.returnWithin
		life = min(life, n)
	}
	// The first life plus Grace must fit the time.Duration Set takes: for
	// a negative one (an overflow) Set sends no time to live at all.
	life = min(life, ms(math.MaxInt64)-st.grace)
	v := newSession(ms(rec.Timeout), ms(rec.Lifetime), n, rec.Components)
	if err := st.client.Set(ctx, st.key(rec.UID), v, time.Duration(life+st.grace)*time.Millisecond).Err(); err != nil {
		return err
	}
	now := time.Now()
	rec.Now, rec.Created, rec.LastAccess = now, now, now
	rec.Deadline = now.Add(time.Duration(life) * time.Millisecond)
	return nil
}

// newSession encodes the fields of a new session for Create (see
// scripts.go): t, l, n (if not 0) and the components, each name and value
// as its length in decimal, a colon and its bytes, which the scripts'
// fields function decodes. A string written with its time to live in one
// command costs Redis about half what a hash does, which needs a second
// command for its time to live, and a MULTI/EXEC around the two so that
// no key is ever left without one (BenchmarkNew).
func newSession(t, l, n int64, components map[string][]byte) []byte {
	size := 48
	for name, data := range components {
		size += 2*20 + len(componentPrefix) + len(name) + len(data)
	}
	b := make([]byte, 0, size)
	var num [20]byte
	b = appendItem(b, "t")
	b = appendItem(b, strconv.AppendInt(num[:0], t, 10))
	b = appendItem(b, "l")
	b = appendItem(b, strconv.AppendInt(num[:0], l, 10))
	if n > 0 {
		b = appendItem(b, "n")
		b = appendItem(b, strconv.AppendInt(num[:0], n, 10))
	}
	for name, data := range components {
		b = strconv.AppendInt(b, int64(len(componentPrefix)+len(name)), 10)
		b = append(b, ':')
		b = append(b, componentPrefix...)
		b = append(b, name...)
		b = appendItem(b, data)
	}
	return b
}

// appendItem appends s to b as newSession encodes a field's name or value.
func appendItem[S string | []byte](b []byte, s S) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// Load returns a live session, touched first if touch is set (one round
// trip either way).
//
// A touch is not written when it would move the deadline by less than the
// slack (see loadScript). So after a touch through this process, until
// the deadline is a slack further than the session's timeout can carry it,
// a load that touches writes nothing, and this process reads the session
// with plain commands (TIME and HGETALL in one pipeline), which cost
// Redis several times less than the script: the common case of a visitor
// whose requests come in bursts to one instance.
func (st *Store) Load(ctx context.Context, uid string, touch bool) (*session.Record, error) {
	slot := &st.hints[hintSlot(uid)]
	if h := slot.Load(); touch && h != nil && h.uid == uid && time.Since(st.epoch) < h.until {
		if rec, err := st.read(ctx, uid); !errors.Is(err, errNeedScript) {
			return rec, err
		}
	}
	t := "0"
	if touch {
		t = "1"
	}
	start := time.Since(st.epoch)
	v, err := loadScript.Run(ctx, st.client, []string{st.key(uid)}, t, st.grace).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rec, err := parseRecord(uid, v)
	if err == nil && touch {
		// A later touch is written once now+timeout passes the deadline
		// by the slack: after (deadline-now-timeout)+slack. Half that, for
		// clocks that run at slightly different rates.
		slack := min(time.Second, rec.Timeout/100).Truncate(time.Millisecond)
		left := rec.Deadline.Sub(rec.Now) - rec.Timeout + slack
		if rec.Lifetime > 0 && !rec.Created.Add(rec.Lifetime).After(rec.Now.Add(rec.Timeout)) {
			left = rec.Deadline.Sub(rec.Now) // capped by the lifetime: never moves
		}
		if left > 0 {
			slot.Store(&hint{uid: uid, until: start + left/2})
		}
	}
	return rec, err
}

// hintSlot returns the slot of uid's hint: its last hex digits, which are
// random in a v4 UUID (slot 0 for a uid that does not end in three).
func hintSlot(uid string) int {
	n, _ := strconv.ParseUint(uid[max(len(uid)-3, 0):], 16, 16)
	return int(n) % hintSlots
}

// read is Load of a session this process touched lately, with plain
// commands: what loadScript returns when its touch would write nothing.
func (st *Store) read(ctx context.Context, uid string) (*session.Record, error) {
	key := st.key(uid)
	var now *redis.TimeCmd
	var fields *redis.MapStringStringCmd
	_, err := st.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		now = p.Time(ctx)
		fields = p.HGetAll(ctx, key)
		return nil
	})
	if err != nil {
		if strings.HasPrefix(err.Error(), "WRONGTYPE") {
			return nil, errNeedScript // still as Create wrote it
		}
		return nil, err
	}
	m := fields.Val()
	if len(m) == 0 || m["e"] != "" || m["r"] != "" || m["t"] == "" {
		return nil, session.ErrNotFound
	}
	if m["n"] != "" {
		return nil, errNeedScript // a first visit: the script ends it
	}
	nowMs := now.Val().UnixMilli()
	num := func(k string) (int64, bool) {
		n, err := strconv.ParseInt(m[k], 10, 64)
		return n, err == nil
	}
	t, ok1 := num("t")
	l, ok2 := num("l")
	if !ok1 || !ok2 {
		return nil, errMalformed
	}
	d, ok3 := num("d")
	c, ok4 := num("c")
	a, ok5 := num("a")
	if !ok3 || !ok4 || !ok5 {
		// Times not written yet (a session Create wrote, not touched
		// since it became a hash): the script settles them.
		return nil, errNeedScript
	}
	if nowMs >= d {
		return nil, session.ErrNotFound
	}
	rec := &session.Record{
		UID:        uid,
		Now:        time.UnixMilli(nowMs),
		Timeout:    time.Duration(t) * time.Millisecond,
		Lifetime:   time.Duration(l) * time.Millisecond,
		Created:    time.UnixMilli(c),
		LastAccess: time.UnixMilli(a),
		Deadline:   time.UnixMilli(d),
	}
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, componentPrefix); ok {
			if rec.Components == nil {
				rec.Components = make(map[string][]byte)
			}
			rec.Components[name] = []byte(v)
		}
	}
	return rec, nil
}

// Update is the compare-and-set of one component (one round trip).
func (st *Store) Update(ctx context.Context, uid, name string, old, data []byte) ([]byte, error) {
	hasOld, hasNew := "0", "0"
	if old != nil {
		hasOld = "1"
	}
	if data != nil {
		hasNew = "1"
	}
	v, err := updateScript.Run(ctx, st.client, []string{st.key(uid)},
		componentPrefix+name, hasOld, old, hasNew, data, st.grace).Result()
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case string:
		return []byte(v), session.ErrConflict
	case int64:
		switch v {
		case 1:
			return nil, nil
		case 2:
			return nil, session.ErrConflict
		case 0:
			return nil, session.ErrNotFound
		}
	}
	return nil, errMalformed
}

// Expire ends a live session and publishes its end (one round trip). For
// the note Rename leaves, it ends nothing and reports the new uid.
func (st *Store) Expire(ctx context.Context, uid string) (*session.Record, error) {
	return st.record(ctx, expireScript, uid, st.grace, st.channel, uid)
}

// Check reports what became of a session (one round trip).
func (st *Store) Check(ctx context.Context, uid string) (*session.Record, error) {
	return st.record(ctx, checkScript, uid, st.grace)
}

// record runs a script on uid's key that answers with its record, or nil
// for session.ErrNotFound.
func (st *Store) record(ctx context.Context, script *redis.Script, uid string, args ...any) (*session.Record, error) {
	v, err := script.Run(ctx, st.client, []string{st.key(uid)}, args...).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return parseRecord(uid, v)
}

// renameAttempts bounds how often Rename retries when the session keeps
// changing under it.
const renameAttempts = 10

// Rename moves a live session to newUID (three round trips: read the old
// session, write the new one, turn the old one into a note).
func (st *Store) Rename(ctx context.Context, uid, newUID string) error {
	oldKey, newKey := st.key(uid), st.key(newUID)
	for range renameAttempts {
		dump, err := dumpScript.Run(ctx, st.client, []string{oldKey}, st.grace).Slice()
		if errors.Is(err, redis.Nil) {
			return session.ErrNotFound
		}
		if err != nil {
			return err
		}
		if len(dump) < 1 || len(dump)%2 != 1 {
			return errMalformed
		}
		args := make([]any, 0, len(dump))
		args = append(args, st.grace)
		args = append(args, dump[1:]...)
		n, err := adoptScript.Run(ctx, st.client, []string{newKey}, args...).Int()
		if err != nil {
			return err
		}
		if n == 0 {
			return session.ErrDuplicateUID
		}
		n, err = retireScript.Run(ctx, st.client, []string{oldKey}, dump[0], newUID, st.channel, uid, st.grace).Int()
		if err == nil && n == 1 {
			return nil
		}
		// Undo the copy: the old session changed (retry), ended, or the
		// answer was lost.
		if derr := st.client.Del(ctx, newKey).Err(); derr != nil && err == nil {
			err = derr
		}
		switch {
		case err != nil:
			return err
		case n < 0:
			return session.ErrNotFound
		}
	}
	return fmt.Errorf("redisstore: session %s kept changing during Rename", uid)
}

// Watch listens on the Store's channel until ctx is done, resubscribing
// after a lost connection (and then reporting notify("")).
func (st *Store) Watch(ctx context.Context, notify func(uid string)) error {
	ps := st.client.Subscribe(ctx, st.channel)
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		ps.Close() // ends a Receive in progress
		close(closed)
	})
	defer func() {
		if stop() {
			ps.Close()
		} else {
			<-closed
		}
	}()
	delay := minDelay
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// Lost or refused: the next Receive reconnects and
			// resubscribes. Wait a little first.
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			delay = min(2*delay, maxDelay)
			continue
		}
		delay = minDelay
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				notify("") // (re)subscribed: notices may have been missed
			}
		case *redis.Message:
			notify(m.Payload)
		}
	}
}

// Delays between attempts to resubscribe.
const (
	minDelay = 50 * time.Millisecond
	maxDelay = time.Second
)

var errMalformed = errors.New("redisstore: malformed reply from Redis")

// errNeedScript says that a session must be loaded by loadScript.
var errNeedScript = errors.New("redisstore: load with the script")

// componentPrefix starts the hash field of a component.
const componentPrefix = "v:"

func ms(d time.Duration) int64 { return d.Milliseconds() }

func status(v []any) int64 {
	if len(v) == 0 {
		return -1
	}
	n, ok := v[0].(int64)
	if !ok {
		return -1
	}
	return n
}

// parseRecord parses a record reply of the scripts: {status, now, t, l, c,
// a, d, name, value, ...}, or {3, now, newUID} for a renamed session.
func parseRecord(uid string, v []any) (*session.Record, error) {
	st := status(v)
	if st == statusRenamed {
		if len(v) != 3 {
			return nil, errMalformed
		}
		to, ok := v[2].(string)
		if !ok {
			return nil, errMalformed
		}
		return &session.Record{UID: uid, RenamedTo: to}, nil
	}
	if len(v) < 7 || len(v)%2 != 1 || (st != statusLive && st != statusEnded) {
		return nil, errMalformed
	}
	var n [6]int64
	for i := range n {
		x, ok := v[i+1].(int64)
		if !ok {
			return nil, errMalformed
		}
		n[i] = x
	}
	rec := &session.Record{
		UID:        uid,
		Now:        time.UnixMilli(n[0]),
		Timeout:    time.Duration(n[1]) * time.Millisecond,
		Lifetime:   time.Duration(n[2]) * time.Millisecond,
		Created:    time.UnixMilli(n[3]),
		LastAccess: time.UnixMilli(n[4]),
		Deadline:   time.UnixMilli(n[5]),
		Ended:      st == statusEnded,
	}
	if len(v) > 7 {
		rec.Components = make(map[string][]byte, (len(v)-7)/2)
		for i := 7; i < len(v); i += 2 {
			field, ok1 := v[i].(string)
			val, ok2 := v[i+1].(string)
			name, ok3 := strings.CutPrefix(field, componentPrefix)
			if !ok1 || !ok2 || !ok3 {
				return nil, errMalformed
			}
			rec.Components[name] = []byte(val)
		}
	}
	return rec, nil
}
