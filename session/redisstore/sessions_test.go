package redisstore_test

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// TestSharedVisitor: a visitor's session, made through a, is found through
// b, and a change made through one is read through the other at once.
func TestSharedVisitor(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	uid := a.visitor(t)
	for i, in := range []*instance{b, a, b, b, a} {
		got := in.must(t, "count", uid)
		if want := uid + " " + string(rune('1'+i)); got.body != want || got.cookie != "" {
			t.Fatalf("visit %d through %s: %q (cookie %q), want %q", i+1, in.name, got.body, got.cookie, want)
		}
		other := a
		if in == a {
			other = b
		}
		if got := other.must(t, "read", uid); got.body != uid+" "+string(rune('1'+i)) {
			t.Fatalf("read through %s after visit %d: %q", other.name, i+1, got.body)
		}
	}
}

// TestConcurrentIncrements: 1,000 increments of one session's counter,
// split between two instances and run 50 at a time, end at exactly 1,000.
func TestConcurrentIncrements(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	uid := a.visitor(t)
	const total, workers = 1000, 50
	seen := make([]bool, total+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				in := a
				if i%2 == 1 {
					in = b
				}
				got := in.get(t, "count", uid)
				if got.code != http.StatusOK {
					t.Errorf("%s: %d %q", in.name, got.code, got.body)
					return
				}
				u, n := fields(t, got.body)
				v, err := strconv.Atoi(n)
				if u != uid || err != nil || v < 1 || v > total {
					t.Errorf("%s: %q", in.name, got.body)
					return
				}
				mu.Lock()
				if seen[v] {
					t.Errorf("count %d answered twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got := b.must(t, "read", uid).body; got != uid+" 1000" {
		t.Fatalf("after %d increments: %q", total, got)
	}
}

// TestRestartKeepsSessions: a Site stopped and replaced by a new one on
// the same Redis keeps its visitors and their data.
func TestRestartKeepsSessions(t *testing.T) {
	rs := startRedis(t, false)
	a := newInstance(t, rs, "a", session.New, redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "count", uid)
	a.must(t, "count", uid)
	a.close()
	a2 := newInstance(t, rs, "a2", session.New, redisstore.Options{})
	if got := a2.must(t, "count", uid); got.body != uid+" 3" || got.cookie != "" {
		t.Fatalf("after the restart: %q (cookie %q), want %q", got.body, got.cookie, uid+" 3")
	}
}

// TestNoSessionNoRedis: a request that uses no session sends nothing to
// Redis.
func TestNoSessionNoRedis(t *testing.T) {
	rs := startRedis(t, false)
	a := newInstance(t, rs, "a", session.New, redisstore.Options{})
	var n atomic.Int64
	a.client.AddHook(countHook{&n})
	for range 10 {
		a.must(t, "none", "")
	}
	if n.Load() != 0 {
		t.Fatalf("%d commands for requests without a session", n.Load())
	}
}

// TestRevokeFromAnyInstance: a session made through a and watched there is
// expired through b, by its uid: a's callback runs, and a's next request
// with the old cookie gets a new session.
func TestRevokeFromAnyInstance(t *testing.T) {
	_, a, b := pair(t, session.New, redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "count", uid)
	a.must(t, "watch", uid)
	s, err := b.site.LookupSession(uid)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Expire(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "a's callback ran", func() bool { return len(a.ended.Get()) == 1 })
	if got, want := a.ended.Get(), []string{"a " + uid + " 1"}; !slices.Equal(got, want) {
		t.Fatalf("callbacks %q, want %q", got, want)
	}
	got := a.must(t, "get", uid)
	if got.body == uid || got.cookie != got.body {
		t.Fatalf("the revoked cookie gave %q (cookie %q)", got.body, got.cookie)
	}
	if len(b.ended.Get()) != 0 {
		t.Fatalf("b ran callbacks: %q", b.ended.Get())
	}
}

// TestSlidingExpiry: a visitor whose requests alternate between two
// instances keeps one session while they keep coming, and loses it one
// timeout after the last request, whichever instance served it.
func TestSlidingExpiry(t *testing.T) {
	const timeout = 600 * time.Millisecond
	_, a, b := pair(t, session.WithTimeout(timeout), redisstore.Options{})
	last := time.Now() // before each touch
	uid := a.visitor(t)
	start := time.Now()
	for i := 0; time.Since(start) < 3*timeout; i++ {
		in := []*instance{a, b}[i%2]
		prev := last
		last = time.Now()
		if got := in.must(t, "get", uid); got.body != uid {
			skipIfHeldUp(t, prev, timeout)
			t.Fatalf("visit %d through %s after %v: a new session %s", i, in.name, time.Since(start), got.body)
		}
		time.Sleep(timeout / 4) // the visitor's pace, well inside the timeout
	}
	testutil.Eventually(t, "the session ended", func() bool { return !a.live(t, uid) })
	// The store keeps times in whole milliseconds of the server's clock
	// (the scripts truncate TIME), so a deadline may fall up to 1 ms
	// before one counted from the exact moment of the last touch.
	if idle := time.Since(last); idle < timeout-time.Millisecond {
		t.Fatalf("the session ended %v after the last request, timeout %v", idle, timeout)
	}
	if got := b.must(t, "get", uid); got.body == uid {
		t.Fatal("b revived an ended session")
	}
}

// TestLifetime: the absolute lifetime holds across instances, however
// often the visitor comes.
func TestLifetime(t *testing.T) {
	const lifetime = 800 * time.Millisecond
	_, a, b := pair(t, session.WithLifetime(time.Minute, lifetime), redisstore.Options{})
	made := time.Now()
	uid := a.visitor(t)
	for i := 0; ; i++ {
		in := []*instance{a, b}[i%2]
		got := in.must(t, "get", uid)
		if got.body != uid {
			if age := time.Since(made); age < lifetime {
				t.Fatalf("the session ended after %v, lifetime %v", age, lifetime)
			}
			break
		}
		if time.Since(made) > 20*lifetime {
			t.Fatal("the session outlived its lifetime")
		}
		time.Sleep(lifetime / 8) // the visitor's pace: visits do not extend the lifetime
	}
}

// skipIfHeldUp skips t, whose session ended while it was being touched
// every fraction of timeout, if the touch before the last one started at
// prev half a timeout ago or more: a machine that held the test up that
// long may rightly have let the session end.
func skipIfHeldUp(t testing.TB, prev time.Time, timeout time.Duration) {
	t.Helper()
	if d := time.Since(prev); d >= timeout/2 {
		t.Skipf("the previous touch started %v ago, the timeout is %v: the machine is too busy to tell", d, timeout)
	}
}
