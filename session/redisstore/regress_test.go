package redisstore_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// TestExpireAfterRenameElsewhere: Expire through a view of a session
// loaded before another instance renewed it ends the session under its
// new uid, and runs the callback once. (It used to take the note Rename
// leaves for an end: it ran the callback and returned nil, and the
// session lived on.)
func TestExpireAfterRenameElsewhere(t *testing.T) {
	rs := startRedis(t, false)
	a := session.NewManager(session.Options{Store: redisstore.New(rs.client(t), redisstore.Options{})})
	defer a.Close()
	b := session.NewManager(session.Options{Store: redisstore.New(rs.client(t), redisstore.Options{})})
	defer b.Close()
	s, err := a.Make()
	if err != nil {
		t.Fatal(err)
	}
	if err := session.Update(s, nil, func(c *Counter) error { c.N++; return nil }); err != nil {
		t.Fatal(err)
	}
	sa, err := a.Access(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	sa.NotifyOnExpire(func() { ran.Add(1) })
	sb, err := b.Access(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Renew(sb); err != nil {
		t.Fatal(err)
	}
	if err := sa.Expire(); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if _, err := b.Lookup(sb.UID()); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Lookup of the renewed session after Expire: %v, want ErrNotFound", err)
	}
	if sa.UID() != sb.UID() || !sa.Expired() {
		t.Fatalf("the expired view: uid %s (renewed to %s), Expired %v", sa.UID(), sb.UID(), sa.Expired())
	}
	if n := ran.Load(); n != 1 {
		t.Fatalf("callback ran %d times", n)
	}
	// The watcher, told of the end, runs nothing more.
	eventually(t, "a stops watching", func() bool { return a.Len() == 0 })
	if n := ran.Load(); n != 1 {
		t.Fatalf("callback ran %d times", n)
	}
}
