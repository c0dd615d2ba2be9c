package redisstore_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
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
	if idle := ended.Sub(last); idle < timeout-time.Millisecond { // see TestSlidingExpiry
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

// TestCallbackRegisteredDuringExpireElsewhere: a callback registered
// through a while b expires the session runs on a soon after the end, not
// at the session's deadline an hour later, with the components as they
// were then; b runs nothing. (The notice of the end could reach a between
// its load of the session and the registration: it found no watch to
// wake, and the new watch waited for the deadline, by which time Redis
// had dropped the session's data.) Each round races a's registration
// against b's Expire; a round whose registration came after the end got
// a new session for a, which lives on. The race was hit by chance, in
// every run: 1 to 7 of 40 callbacks ran late.
func TestCallbackRegisteredDuringExpireElsewhere(t *testing.T) {
	_, a, b := pair(t, session.WithTimeout(time.Hour), redisstore.Options{})
	const rounds = 40
	var want []string
	fresh := 0 // sessions a made for a registration after the end
	for range rounds {
		uid := b.visitor(t)
		b.must(t, "count", uid)
		var watched, expired answer
		var wg sync.WaitGroup
		wg.Go(func() { watched = a.get(t, "watch", uid) })
		wg.Go(func() { expired = b.get(t, "expire", uid) })
		wg.Wait()
		if watched.code != http.StatusOK || expired.code != http.StatusOK || expired.body != uid {
			t.Fatalf("watch: %d %q; expire: %d %q", watched.code, watched.body, expired.code, expired.body)
		}
		if watched.body == uid {
			want = append(want, "a "+uid+" 1")
		} else {
			fresh++
		}
	}
	t.Logf("%d of %d registrations found the session live", len(want), rounds)
	start := time.Now()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("a ran %d callbacks", len(a.ended.Get()))
		}
	})
	testutil.Eventually(t, fmt.Sprintf("a ran %d callbacks", len(want)), func() bool {
		return len(a.ended.Get()) >= len(want)
	})
	t.Logf("the last callbacks ran %v after the last round", time.Since(start))
	got := a.ended.Get()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
	if got := b.ended.Get(); len(got) != 0 {
		t.Fatalf("b ran %q", got)
	}
	if n := a.site.SessionCount(); n != fresh {
		t.Fatalf("a watches %d sessions, want the %d it made", n, fresh)
	}
}
