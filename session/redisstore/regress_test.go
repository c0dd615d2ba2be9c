package redisstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/internal/testutil"
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
	testutil.Eventually(t, "a stops watching", func() bool { return a.Len() == 0 })
	if n := ran.Load(); n != 1 {
		t.Fatalf("callback ran %d times", n)
	}
}

// touchDuringRename runs touch once, just before the first command that
// names the key newKey: between Rename's copy of the old key and its
// check that the old key did not change meanwhile.
type touchDuringRename struct {
	newKey string
	touch  func()
	done   atomic.Bool
}

func (h *touchDuringRename) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *touchDuringRename) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *touchDuringRename) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		for _, a := range cmd.Args() {
			if a == h.newKey && !h.done.Swap(true) {
				h.touch()
			}
		}
		return next(ctx, cmd)
	}
}

// TestTouchDuringRename: a visitor's request that touches the session
// while another renews it (a login beside a page load) is not lost: the
// renamed session has the touch's deadline, not the first-visit bound it
// had before. (Touches did not change the generation Rename compares, so
// the copy made before the touch won, and the visitor was logged out a
// minute after their first visit.)
func TestTouchDuringRename(t *testing.T) {
	rs := startRedis(t, false)
	plain := redisstore.New(rs.client(t), redisstore.Options{})
	hooked := rs.client(t)
	st := redisstore.New(hooked, redisstore.Options{})
	ctx := context.Background()
	rec := &session.Record{UID: "old-uid", Timeout: time.Hour}
	if err := plain.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	hooked.AddHook(&touchDuringRename{
		newKey: redisstore.DefaultPrefix + "new-uid",
		touch: func() {
			if _, err := plain.Load(ctx, "old-uid", true); err != nil {
				t.Errorf("the touch: %v", err)
			}
		},
	})
	if err := st.Rename(ctx, "old-uid", "new-uid"); err != nil {
		t.Fatal(err)
	}
	got, err := plain.Load(ctx, "new-uid", false)
	if err != nil {
		t.Fatal(err)
	}
	if life := got.Deadline.Sub(got.Now); life < 30*time.Minute {
		t.Errorf("the renamed session has %v to live, want about the hour the touch gave it", life)
	}
}
