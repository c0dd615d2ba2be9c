package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// tricky are components whose names and bytes look like the encoding of a
// new session (lengths, colons), or are empty, binary or long.
var tricky = map[string][]byte{
	"a":        []byte("1:t"),
	"3:abc":    {},
	"x:y:z":    {0, ':', 0, '9', ':', 0xff},
	"long":     bytes.Repeat([]byte("12:"), 400),
	"Counter":  []byte("\x0f\xff\x81\x03\x01\x01\x07Counter"),
	"t":        []byte("not the timeout field"),
	"unicode€": []byte("é"),
}

// TestNewSessionFirstScript: every operation works on a session as Create
// wrote it, the first script to see it turning it into the hash the
// others expect, its components and its time to live intact.
func TestNewSessionFirstScript(t *testing.T) {
	rs := startRedis(t, false)
	client := rs.client(t)
	st := redisstore.New(client, redisstore.Options{})
	ctx := context.Background()
	// each op returns the components it saw (nil if none) and the uid
	// the session lives under afterwards.
	tests := []struct {
		name  string
		touch bool // the op ends the first visit: the timeout applies
		op    func(t *testing.T, uid string) (map[string][]byte, string)
	}{
		{"Load", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			rec, err := st.Load(ctx, uid, false)
			if err != nil {
				t.Fatal(err)
			}
			return rec.Components, uid
		}},
		{"Load touching", true, func(t *testing.T, uid string) (map[string][]byte, string) {
			rec, err := st.Load(ctx, uid, true)
			if err != nil {
				t.Fatal(err)
			}
			return rec.Components, uid
		}},
		{"Check", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			rec, err := st.Check(ctx, uid)
			if err != nil || rec.Ended {
				t.Fatalf("%+v, %v", rec, err)
			}
			return rec.Components, uid
		}},
		{"Update", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			if _, err := st.Update(ctx, uid, "a", tricky["a"], []byte("2:tt")); err != nil {
				t.Fatal(err)
			}
			rec, err := st.Load(ctx, uid, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(rec.Components["a"]); got != "2:tt" {
				t.Errorf("updated a = %q", got)
			}
			rec.Components["a"] = tricky["a"]
			return rec.Components, uid
		}},
		{"Update conflicting", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			cur, err := st.Update(ctx, uid, "x:y:z", []byte("old"), nil)
			if !errors.Is(err, session.ErrConflict) || !bytes.Equal(cur, tricky["x:y:z"]) {
				t.Fatalf("got %q, %v; want the current value, ErrConflict", cur, err)
			}
			return nil, uid
		}},
		{"Update conflicting, absent", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			cur, err := st.Update(ctx, uid, "missing", []byte("old"), []byte("new"))
			if !errors.Is(err, session.ErrConflict) || cur != nil {
				t.Fatalf("got %q, %v; want nil, ErrConflict", cur, err)
			}
			return nil, uid
		}},
		{"Update conflicting, empty", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			cur, err := st.Update(ctx, uid, "3:abc", nil, []byte("new"))
			if !errors.Is(err, session.ErrConflict) || cur == nil || len(cur) != 0 {
				t.Fatalf("got %#v, %v; want an empty current value, ErrConflict", cur, err)
			}
			return nil, uid
		}},
		{"Expire", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			rec, err := st.Expire(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			if c, err := st.Check(ctx, uid); err != nil || !c.Ended {
				t.Errorf("after Expire: %+v, %v", c, err)
			}
			return rec.Components, ""
		}},
		{"Rename", false, func(t *testing.T, uid string) (map[string][]byte, string) {
			newUID := uid + "-renamed"
			if err := st.Rename(ctx, uid, newUID); err != nil {
				t.Fatal(err)
			}
			rec, err := st.Load(ctx, newUID, false)
			if err != nil {
				t.Fatal(err)
			}
			return rec.Components, newUID
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid := "new-" + strings.ReplaceAll(tt.name, " ", "-")
			key := redisstore.DefaultPrefix + uid
			rec := &session.Record{UID: uid, Timeout: time.Hour, Components: maps.Clone(tricky)}
			if err := st.Create(ctx, rec); err != nil {
				t.Fatal(err)
			}
			// ReturnWithin (a minute) bounds the first life; Grace (a
			// minute) follows it.
			if life := rec.Deadline.Sub(rec.Now); life != time.Minute {
				t.Errorf("Create: first life %v, want 1m", life)
			}
			before := client.PTTL(ctx, key).Val()
			got, live := tt.op(t, uid)
			if got != nil && !maps.EqualFunc(got, tricky, bytes.Equal) {
				t.Errorf("components:\n got %q\nwant %q", got, tricky)
			}
			if live == "" {
				return
			}
			key = redisstore.DefaultPrefix + live
			if typ := client.Type(ctx, key).Val(); typ != "hash" {
				t.Errorf("the session's key is a %s, want a hash", typ)
			}
			after := client.PTTL(ctx, key).Val()
			if tt.touch {
				before = time.Hour + time.Minute
			}
			if after > before || after < before-10*time.Second {
				t.Errorf("time to live %v before, %v after: not kept", before, after)
			}
		})
	}
}

// TestNewSessionMalformed: a string at a session's key that is not one
// Create wrote is an error, not a session, and stays as it was. ("-3:"
// sent an unchecked decoder back to where it started, for ever.)
func TestNewSessionMalformed(t *testing.T) {
	rs := startRedis(t, false)
	client := rs.client(t)
	st := redisstore.New(client, redisstore.Options{})
	ctx := context.Background()
	for _, v := range []string{"hello", "5:abc", "1:t", "x:t", "-1:t", "-3:", "1:t-1:", "0x1:t1:1", " 1:t1:1", "1:t1:19"} {
		key := redisstore.DefaultPrefix + "foreign"
		if err := client.Set(ctx, key, v, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if rec, err := st.Load(ctx, "foreign", true); err == nil || !strings.Contains(err.Error(), "malformed session") {
			t.Errorf("%q: Load = %+v, %v; want the error of a malformed session", v, rec, err)
		}
		if got := client.Get(ctx, key).Val(); got != v {
			t.Errorf("%q: the key now holds %q", v, got)
		}
	}
}

// FuzzNewSession: any component, name and bytes, comes back whole from a
// session Create wrote, through the first script that reads it.
func FuzzNewSession(f *testing.F) {
	for name, data := range tricky {
		f.Add(name, data)
	}
	rs := startRedis(f, false)
	st := redisstore.New(rs.client(f), redisstore.Options{})
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		n++
		uid := "fuzz-" + strconv.Itoa(n)
		if err := st.Create(ctx, &session.Record{UID: uid, Timeout: time.Hour,
			Components: map[string][]byte{name: data, "other": []byte("x")}}); err != nil {
			t.Fatal(err)
		}
		rec, err := st.Load(ctx, uid, n%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]byte{name: data, "other": []byte("x")}
		if !maps.EqualFunc(rec.Components, want, bytes.Equal) {
			t.Fatalf("components:\n got %q\nwant %q", rec.Components, want)
		}
	})
}

// TestNewSessionLastMillisecond: a script that first reads a new session in
// the last millisecond of its key's time to live (PTTL 0: Redis keeps a
// key until the clock passes its expiry time) leaves no key behind without
// a time to live. The conversion read that 0 as "no time to live" and
// left a hash that never expired.
func TestNewSessionLastMillisecond(t *testing.T) {
	rs := startRedis(t, false)
	client := rs.client(t)
	st := redisstore.New(client, redisstore.Options{ReturnWithin: time.Millisecond, Grace: time.Millisecond})
	ctx := context.Background()
	ops := []struct {
		name string
		op   func(uid string) error
	}{
		{"Load", func(uid string) error { _, err := st.Load(ctx, uid, true); return err }},
		{"Check", func(uid string) error { _, err := st.Check(ctx, uid); return err }},
		{"Update", func(uid string) error { _, err := st.Update(ctx, uid, "a", nil, []byte("x")); return err }},
		{"Expire", func(uid string) error { _, err := st.Expire(ctx, uid); return err }},
		{"Rename", func(uid string) error { return st.Rename(ctx, uid, uid+"-renamed") }},
	}
	for i := range 40 {
		op := ops[i%len(ops)]
		uid := "last-" + strconv.Itoa(i)
		key := redisstore.DefaultPrefix + uid
		if err := st.Create(ctx, &session.Record{UID: uid, Timeout: time.Hour}); err != nil {
			t.Fatal(err)
		}
		// Wait for the last millisecond (PTTL 0), or the key's end.
		for {
			ttl, err := client.PTTL(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= 0 {
				break
			}
		}
		if err := op.op(uid); err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("%s: %v", op.name, err)
		}
		if ttl := client.PTTL(ctx, key).Val(); ttl == -1 {
			t.Fatalf("%s in the last millisecond left %s (a %s) without a time to live",
				op.name, key, client.Type(ctx, key).Val())
		}
	}
}

// TestNewSessionSlowConversion: the first script keeps the key's expiry
// time to the millisecond even when turning the string into the hash
// takes a while (here 16 MiB of components). Reading its time to live
// (PTTL) before the conversion and setting it again (PEXPIRE) after moved
// the expiry later by the time the conversion took: on redis-server 7.0,
// where the clock of those commands runs on during a script, by some
// twenty milliseconds here, and by one in about a hundred conversions of
// a small session.
func TestNewSessionSlowConversion(t *testing.T) {
	rs := startRedis(t, false)
	client := rs.client(t)
	st := redisstore.New(client, redisstore.Options{})
	ctx := context.Background()
	big := make(map[string][]byte)
	for i := range 4 {
		big["c"+strconv.Itoa(i)] = bytes.Repeat([]byte{byte('a' + i)}, 4<<20)
	}
	if err := st.Create(ctx, &session.Record{UID: "slow", Timeout: time.Hour, Components: big}); err != nil {
		t.Fatal(err)
	}
	key := redisstore.DefaultPrefix + "slow"
	before, err := client.PExpireTime(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, "slow", "c0", big["c0"], []byte("x")); err != nil {
		t.Fatal(err)
	}
	if typ := client.Type(ctx, key).Val(); typ != "hash" {
		t.Fatalf("the session's key is a %s, want a hash", typ)
	}
	if after := client.PExpireTime(ctx, key).Val(); after != before {
		t.Errorf("the key expires %v later after its first script than before", after-before)
	}
}

// TestNewSessionManyComponents: a session Create stores with many
// components comes back whole from its first script. (A session.Manager
// stores a new session with one component at most, but a Store takes any
// Record.) The conversion passed every field to one HSET through Lua's
// unpack, which fails beyond about 8,000 values: "too many results to
// unpack", and the session could not be read at all.
func TestNewSessionManyComponents(t *testing.T) {
	rs := startRedis(t, false)
	st := redisstore.New(rs.client(t), redisstore.Options{})
	ctx := context.Background()
	many := make(map[string][]byte)
	for i := range 10000 {
		many["c"+strconv.Itoa(i)] = []byte(strconv.Itoa(i))
	}
	if err := st.Create(ctx, &session.Record{UID: "many", Timeout: time.Hour, Components: many}); err != nil {
		t.Fatal(err)
	}
	rec, err := st.Load(ctx, "many", true)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(rec.Components, many, bytes.Equal) {
		t.Errorf("%d components back of %d", len(rec.Components), len(many))
	}
}

// TestNewSessionLongTimeout: a session whose first life is as long as a
// time.Duration allows (no ReturnWithin, a timeout of math.MaxInt64, as
// for "never") still gets a time to live and is live. Its first life plus
// Grace overflowed the Duration handed to go-redis's Set, which sends no
// time to live for a negative one: the key never expired, and the session
// was never found.
func TestNewSessionLongTimeout(t *testing.T) {
	rs := startRedis(t, false)
	client := rs.client(t)
	st := redisstore.New(client, redisstore.Options{ReturnWithin: -1})
	ctx := context.Background()
	for _, rec := range []*session.Record{
		{UID: "timeout", Timeout: math.MaxInt64},
		{UID: "lifetime", Timeout: math.MaxInt64, Lifetime: math.MaxInt64 - time.Millisecond},
	} {
		if err := st.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
		// In milliseconds: go-redis's PTTL would overflow a Duration.
		if ttl, err := client.Do(ctx, "pttl", redisstore.DefaultPrefix+rec.UID).Int64(); err != nil || ttl < 0 {
			t.Errorf("%s: the key's time to live is %d ms (%v)", rec.UID, ttl, err)
		}
		if _, err := st.Load(ctx, rec.UID, true); err != nil {
			t.Errorf("%s: Load: %v", rec.UID, err)
		}
	}
}
