package redisstore_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// TestOutage kills redis-server under two instances and starts it again:
// meanwhile a request that needs a session gets a 503 page and a log line,
// one that needs none is served, and no callback runs although its
// session's deadline passes; afterwards service resumes by itself and the
// callback runs, the store confirming the end.
func TestOutage(t *testing.T) {
	const timeout = time.Second
	rs := startRedis(t, true)
	a := newInstance(t, rs, "a", session.WithTimeout(timeout), redisstore.Options{})
	b := newInstance(t, rs, "b", session.WithTimeout(timeout), redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "watch", uid)
	b.must(t, "count", uid)
	rs.kill()
	down := time.Now()

	for _, in := range []*instance{a, b} {
		got := in.get(t, "count", uid)
		if got.code != http.StatusServiceUnavailable || !strings.Contains(got.body, "temporarily unavailable") || got.cookie != "" {
			t.Fatalf("%s during the outage: %d %q (cookie %q), want a 503 page", in.name, got.code, got.body, got.cookie)
		}
		if got := in.get(t, "get", ""); got.code != http.StatusServiceUnavailable {
			t.Fatalf("%s, a new visitor during the outage: %d %q", in.name, got.code, got.body)
		}
		if got := in.must(t, "none", ""); got.body != "no session" {
			t.Fatalf("%s without a session: %q", in.name, got.body)
		}
		if log := in.logBuf.String(); !strings.Contains(log, "status=503") || !strings.Contains(log, "session: store unavailable") {
			t.Fatalf("%s logged:\n%s", in.name, log)
		}
	}
	// The session's deadline passes: a tries to confirm its end, fails,
	// and runs nothing.
	testutil.Eventually(t, "a tried to confirm the end", func() bool {
		return strings.Contains(a.logBuf.String(), "cannot confirm the end of sessions")
	})
	if time.Since(down) < timeout {
		t.Fatalf("a checked the session %v into the outage, before its deadline", time.Since(down))
	}
	if got := a.ended.Get(); len(got) != 0 {
		t.Fatalf("callbacks ran during the outage: %q", got)
	}

	rs.start()
	testutil.Eventually(t, "a ran the callback", func() bool { return len(a.ended.Get()) == 1 })
	if got, want := a.ended.Get()[0], "a "+uid+" 1"; got != want {
		t.Fatalf("callback %q, want %q", got, want)
	}
	// Service resumes, through both instances, without a restart.
	for _, in := range []*instance{a, b} {
		var got answer
		testutil.Eventually(t, in.name+" serves sessions again", func() bool {
			got = in.get(t, "count", uid)
			return got.code == http.StatusOK
		})
		u, n := fields(t, got.body)
		if u == uid || n != "1" || got.cookie != u {
			t.Fatalf("%s after the outage: %q (cookie %q)", in.name, got.body, got.cookie)
		}
		if got := b.must(t, "read", u); got.body != u+" 1" {
			t.Fatalf("b reads %q", got.body)
		}
	}
}

// TestDataGoneMeansEnded: when Redis comes back without a watched
// session's data (a restart that lost it), the session has ended: its
// callback runs.
func TestDataGoneMeansEnded(t *testing.T) {
	rs := startRedis(t, true)
	a := newInstance(t, rs, "a", session.New, redisstore.Options{})
	uid := a.visitor(t)
	a.must(t, "watch", uid)
	rs.kill()
	files, _ := filepath.Glob(filepath.Join(rs.dir, "appendonly*"))
	for _, f := range files {
		if err := os.RemoveAll(f); err != nil {
			t.Fatal(err)
		}
	}
	rs.start()
	testutil.Eventually(t, "a ran the callback", func() bool { return len(a.ended.Get()) == 1 })
	if got, want := a.ended.Get()[0], "a "+uid+" 0"; got != want {
		t.Fatalf("callback %q, want %q", got, want)
	}
}
