package web_test

// The examples of sessions: making one, keeping data in it, and its end.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

// sessionCookie returns the TWISTED_SESSION cookie a response sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "TWISTED_SESSION" {
			return c
		}
	}
	return nil
}

func testSessionBasics(t *testing.T, bin string) {
	e := start(t, bin, "session-basics")
	c := newClient(newJar(t))
	defer c.CloseIdleConnections()
	const prefix = "Your session id is: "

	resp, body := e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "first GET /session", resp, body, http.StatusOK, prefix)
	if resp == nil {
		return
	}
	id := strings.TrimPrefix(body, prefix)
	ck := sessionCookie(resp)
	if ck == nil || ck.Value != id || ck.Path != "/" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("first GET /session: cookie %v, want TWISTED_SESSION=%s; Path=/; HttpOnly; SameSite=Lax", ck, id)
	}
	expectHeader(t, "first GET /session", resp, "Vary", "Cookie")
	expectHeader(t, "first GET /session", resp, "Cache-Control", "private")

	resp, body = e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "second GET /session", resp, body, http.StatusOK, prefix+id)
	if resp != nil && resp.Header["Set-Cookie"] != nil {
		t.Errorf("second GET /session set %q; the session was already known", resp.Header["Set-Cookie"])
	}

	resp, body = e.do(t, c, http.MethodGet, "/session/expire", nil, nil)
	expect(t, "GET /session/expire", resp, body, http.StatusOK)
	if body != "Your session has been expired." {
		t.Errorf("GET /session/expire: body %q", body)
	}
	if ck := sessionCookie(resp); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("GET /session/expire: cookie %v, want one that clears the session (Max-Age=0)", ck)
	}

	resp, body = e.do(t, c, http.MethodGet, "/session", nil, nil)
	expect(t, "GET /session after expiry", resp, body, http.StatusOK, prefix)
	if newID := strings.TrimPrefix(body, prefix); newID == id || sessionCookie(resp) == nil {
		t.Errorf("GET /session after expiry: id %q (was %q), cookie %v; want a new session", newID, id, sessionCookie(resp))
	}
	resp, body = e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusNotFound)
}

func testSessionStore(t *testing.T, bin string) {
	e := start(t, bin, "session-store")
	visit := func(c *http.Client) int {
		resp, body := e.do(t, c, http.MethodGet, "/counter", nil, nil)
		if resp == nil {
			return -1
		}
		n, ok := strings.CutPrefix(body, htmlHead+"Visit #")
		n, ok2 := strings.CutSuffix(n, " for you!")
		v, err := strconv.Atoi(n)
		if resp.StatusCode != http.StatusOK || !ok || !ok2 || err != nil {
			t.Errorf("GET /counter: %s %q", resp.Status, body)
			return -1
		}
		return v
	}
	first := newClient(newJar(t))
	defer first.CloseIdleConnections()
	for want := 1; want <= 3; want++ {
		if got := visit(first); got != want {
			t.Errorf("visit %d of the first visitor counted %d", want, got)
		}
	}
	second := newClient(newJar(t))
	defer second.CloseIdleConnections()
	if got := visit(second); got != 1 {
		t.Errorf("the first visit of a second visitor counted %d, want 1", got)
	}

	// One visitor, many requests at once: no count is lost or repeated.
	busy := newClient(newJar(t))
	defer busy.CloseIdleConnections()
	if got := visit(busy); got != 1 {
		t.Fatalf("the first visit of a busy visitor counted %d, want 1", got)
	}
	const goroutines, each = 20, 5
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				n := visit(busy)
				mu.Lock()
				seen = append(seen, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seen)
	for i, n := range seen {
		if n != i+2 {
			t.Fatalf("concurrent visits counted %v, want 2 to %d once each", seen, goroutines*each+1)
		}
	}
	if got := visit(busy); got != goroutines*each+2 {
		t.Errorf("the visit after the concurrent ones counted %d, want %d", got, goroutines*each+2)
	}
}

func testSessionEndings(t *testing.T, bin string) {
	const timeout = time.Second
	e := start(t, bin, "session-endings", "-timeout", timeout.String())
	logme := func(c *http.Client) *http.Cookie {
		resp, body := e.do(t, c, http.MethodGet, "/logme", nil, nil)
		expect(t, "GET /logme", resp, body, http.StatusOK)
		if resp == nil {
			return nil
		}
		if body != "" {
			t.Errorf("GET /logme: body %q, want an empty page", body)
		}
		return sessionCookie(resp)
	}
	expired := func(uid string) string { return "Session " + uid + " has expired." }

	// A visitor who comes once and leaves.
	leaver := logme(newClient(nil))
	if leaver == nil {
		t.Fatal("GET /logme set no session cookie")
	}

	// A visitor who keeps coming, more often than the timeout, for longer
	// than it: the session stays.
	jar := newJar(t)
	stayer := newClient(jar)
	defer stayer.CloseIdleConnections()
	first := logme(stayer)
	if first == nil {
		t.Fatal("GET /logme set no session cookie")
	}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); {
		<-tick.C
		if ck := logme(stayer); ck != nil {
			t.Fatalf("a returning visitor got a new session cookie %v; the session did not slide", ck)
		}
	}
	if n := count(e.Stdout(), first.Value); n != 0 {
		t.Errorf("the session of a returning visitor expired: %q", e.Stdout())
	}
	testutil.Eventually(t, "the session of a visitor who left expires", func() bool {
		return count(e.Stdout(), expired(leaver.Value)) > 0
	})

	// Once the visitor stops, its session ends after the timeout.
	testutil.Eventually(t, "the session of a visitor who stopped expires", func() bool {
		return count(e.Stdout(), expired(first.Value)) > 0
	})
	out := e.Stdout()
	if len(out) != 2 || count(out, expired(leaver.Value)) != 1 || count(out, expired(first.Value)) != 1 {
		t.Errorf("session-endings printed %q; want one line per ended session", out)
	}
}
