package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// TestNeverSeenAgain: a session whose visitor never comes back ends after
// ReturnWithin and leaves Redis Grace later, whatever its timeout; one
// whose visitor came back keeps its own timeout.
func TestNeverSeenAgain(t *testing.T) {
	const within, grace = 300 * time.Millisecond, 200 * time.Millisecond
	opts := redisstore.Options{ReturnWithin: within, Grace: grace}
	_, a, b := pair(t, session.New, opts) // 15 minutes idle
	made := time.Now()
	once := a.visitor(t)
	twice := a.visitor(t)
	if got := b.must(t, "get", twice); got.body != twice {
		t.Fatalf("the second visit got %q", got.body)
	}
	ctx := context.Background()
	testutil.Eventually(t, "the session seen once is gone from Redis", func() bool {
		n, err := a.client.Exists(ctx, redisstore.DefaultPrefix+once).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	if age := time.Since(made); age < within+grace {
		t.Fatalf("gone after %v, want at least %v", age, within+grace)
	}
	if a.live(t, once) {
		t.Fatal("the session seen once is live")
	}
	if !a.live(t, twice) {
		t.Fatal("the session seen twice ended")
	}
	ttl, err := a.client.PTTL(ctx, redisstore.DefaultPrefix+twice).Result()
	if err != nil || ttl < 14*time.Minute {
		t.Fatalf("the session seen twice expires in %v (%v), want its 15-minute timeout", ttl, err)
	}
}

// TestSessionCountWithStore: with a store, SessionCount and Sessions are
// the sessions this instance watches for callbacks.
func TestSessionCountWithStore(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	u1 := a.visitor(t)
	a.visitor(t) // a session nobody watches
	b.must(t, "watch", u1)
	b.must(t, "watch", u1)
	if a.site.SessionCount() != 0 || b.site.SessionCount() != 1 {
		t.Fatalf("SessionCount: a %d, b %d; want 0, 1", a.site.SessionCount(), b.site.SessionCount())
	}
	for s := range b.site.Sessions() {
		if s.UID() != u1 {
			t.Fatalf("b's Sessions yields %s, want %s", s.UID(), u1)
		}
	}
}
