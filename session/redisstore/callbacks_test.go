package redisstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// TestCallbackAfterTouchesElsewhere: a callback registered through a runs
// once, on a, when the session times out, though b served every touch
// after a's deadline, and never while b keeps the session alive. It reads
// the components as they were at the end.
func TestCallbackAfterTouchesElsewhere(t *testing.T) {
	const timeout = 500 * time.Millisecond
	_, a, b := pair(t, session.WithTimeout(timeout), redisstore.Options{})
	last := time.Now() // before each touch
	uid := a.visitor(t)
	a.must(t, "watch", uid)
	start := time.Now()
	for time.Since(start) < 4*timeout {
		prev := last
		last = time.Now()
		if got := b.must(t, "count", uid); !strings.HasPrefix(got.body, uid+" ") {
			skipIfHeldUp(t, prev, timeout)
			t.Fatalf("b lost the session: %q", got.body)
		}
		if got := a.ended.Get(); len(got) != 0 {
			skipIfHeldUp(t, prev, timeout)
			t.Fatalf("a ran the callback of a live session %v after the last touch: %q", time.Since(last), got)
		}
		time.Sleep(timeout / 5) // the visitor's pace, well inside the timeout
	}
	n := b.must(t, "read", uid).body
	testutil.Eventually(t, "a ran the callback", func() bool { return len(a.ended.Get()) > 0 })
	ended := time.Now()
	if idle := ended.Sub(last); idle < timeout {
		t.Fatalf("callback %v after the last touch, timeout %v", idle, timeout)
	}
	t.Logf("callback ran %v after the deadline", ended.Sub(last)-timeout)
	_, count := fields(t, n)
	if got, want := a.ended.Get(), []string{"a " + uid + " " + count}; !slices.Equal(got, want) {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
	if n := a.site.SessionCount(); n != 0 || len(b.ended.Get()) != 0 {
		t.Fatalf("after the callback a still watches %d sessions; b ran %q", n, b.ended.Get())
	}
}

// TestCallbackOnExpireElsewhere: Expire through b runs a's callback, on a,
// promptly, with the components as they were.
func TestCallbackOnExpireElsewhere(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "watch", uid)
	a.must(t, "watch", uid) // a second view of the session, a second callback
	b.must(t, "count", uid)
	b.must(t, "count", uid)
	start := time.Now()
	if got := b.must(t, "expire", uid); got.cookie != "-" {
		t.Fatalf("expire: cookie %q, want it cleared", got.cookie)
	}
	testutil.Eventually(t, "a ran both callbacks", func() bool { return len(a.ended.Get()) == 2 })
	t.Logf("callbacks ran %v after Expire", time.Since(start))
	want := []string{"a " + uid + " 2", "a " + uid + " 2"}
	if got := a.ended.Get(); !slices.Equal(got, want) {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
	if got := b.ended.Get(); len(got) != 0 {
		t.Fatalf("b ran %q", got)
	}
	if a.site.SessionCount() != 0 {
		t.Fatalf("a still watches %d sessions", a.site.SessionCount())
	}
}

// TestCallbackFollowsRenew: RenewSession through b carries a's callback to
// the new uid; the old uid names nothing.
func TestCallbackFollowsRenew(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "count", uid)
	a.must(t, "watch", uid)
	got := b.must(t, "renew", uid)
	old, renewed := fields(t, got.body)
	if old != uid || renewed == uid || got.cookie != renewed {
		t.Fatalf("renew: %q (cookie %q)", got.body, got.cookie)
	}
	if a.live(t, uid) || !a.live(t, renewed) {
		t.Fatal("after renewal the old uid is live or the new one is not")
	}
	if got := a.must(t, "count", renewed); got.body != renewed+" 2" {
		t.Fatalf("the data did not follow: %q", got.body)
	}
	if got := a.must(t, "get", uid); got.body == uid || got.body == renewed {
		t.Fatalf("the old cookie found %q", got.body)
	}
	// a learns of the renewal (its watch follows the new uid) ...
	testutil.Eventually(t, "a follows the new uid", func() bool {
		for s := range a.site.Sessions() {
			if s.UID() == renewed {
				return true
			}
		}
		return false
	})
	// ... and runs its callback when the renewed session ends through b.
	b.must(t, "expire", renewed)
	testutil.Eventually(t, "a ran the callback", func() bool { return len(a.ended.Get()) == 1 })
	if got, want := a.ended.Get(), []string{"a " + renewed + " 2"}; !slices.Equal(got, want) {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
}
