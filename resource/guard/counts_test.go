package guard_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gotwisted/web/resource/guard"
)

// A Digest response was once accepted again and again for the whole life
// of its nonce. Now each nonce count is accepted once, out of order within
// a window of 64 below the highest, and a refused response is answered
// stale, so that a browser retries with a fresh nonce.
func TestDigestReplay(t *testing.T) {
	f := newFixture(t)
	const target = "/private/a"
	first, _ := f.do(t, "GET", target, "")
	ch := challenge(t, first, "SHA-256")
	steps := []struct {
		nc   uint32
		code int
	}{
		{1, 200},
		{1, 401}, // the same response again
		{3, 200},
		{2, 200}, // out of order, within the window
		{2, 401},
		{3, 401},
		{100, 200},
		{40, 200}, // 60 below the highest
		{37, 200}, // 63 below
		{36, 401}, // 64 below: out of the window
		{40, 401},
		{101, 200},
		{1 << 31, 200},
		{1<<31 - 63, 200},
		{1<<31 - 64, 401},
	}
	for _, s := range steps {
		auth := authorization(ch, s.nc, "alice", "wonderland", "GET", target, nil)
		resp, body := f.do(t, "GET", target, auth)
		if resp.StatusCode != s.code {
			t.Fatalf("nc=%08x: %d %q, want %d", s.nc, resp.StatusCode, body, s.code)
		}
		if s.code == 401 {
			if fresh := challenge(t, resp, "SHA-256"); fresh["stale"] != "true" || fresh["nonce"] == ch["nonce"] {
				t.Errorf("nc=%08x refused without stale=true and a new nonce: %v", s.nc, fresh)
			}
		}
	}
	// A wrong response uses up no count.
	const next = 1<<31 + 5
	auth := authorization(ch, next, "alice", "nope", "GET", target, nil)
	if resp, _ := f.do(t, "GET", target, auth); resp.StatusCode != 401 || challenge(t, resp, "SHA-256")["stale"] != "" {
		t.Errorf("wrong password: %d, stale=%q; want 401 without stale", resp.StatusCode, challenge(t, resp, "SHA-256")["stale"])
	}
	if resp, _ := f.do(t, "GET", target, authorization(ch, next, "alice", "wonderland", "GET", target, nil)); resp.StatusCode != 200 {
		t.Errorf("nc=%08x after a wrong response with it: %d, want 200", next, resp.StatusCode)
	}
}

// The record is the process's own: a second Digest with the same key (a
// second server of a cluster) accepts a response the first has seen, once.
func TestDigestCountsPerInstance(t *testing.T) {
	a := guard.NewDigest("r", []byte("shared key"))
	b := guard.NewDigest("r", []byte("shared key"))
	nonce := a.NewNonce()
	for _, step := range []struct {
		d    *guard.Digest
		name string
		ok   bool
	}{{a, "a", true}, {a, "a", false}, {b, "b", true}, {b, "b", false}} {
		if err := step.d.UseCount(nonce, 1); (err == nil) != step.ok {
			t.Errorf("nc=1 on %s: %v, want accepted %v", step.name, err, step.ok)
		}
	}
}

// However many nonces are used, the record holds at most MaxNonces; a
// nonce forgotten to make room, or made before it, is stale, so it cannot
// be replayed; expired nonces are forgotten.
func TestDigestCountsBounded(t *testing.T) {
	d := guard.NewDigest("r", []byte("key"))
	now := time.Unix(1_700_000_000, 0)
	d.SetClock(func() time.Time { return now })
	d.MaxNonces = 1000
	nonces := make([]string, 5000)
	for i := range nonces {
		now = now.Add(time.Millisecond)
		nonces[i] = d.NewNonce()
	}
	for i, n := range nonces {
		if err := d.UseCount(n, 1); err != nil {
			t.Fatalf("nonce %d, nc=1: %v", i, err)
		}
		if held := d.NoncesHeld(); held > 1000 {
			t.Fatalf("%d nonces held after %d used, want at most 1000", held, i+1)
		}
	}
	for i, want := range map[int]error{
		0:    guard.ErrStale, // forgotten for room
		3999: guard.ErrStale, // the newest forgotten
		4000: nil,            // the oldest still held
		4999: nil,
	} {
		if err := d.UseCount(nonces[i], 2); !errors.Is(err, guard.ErrStale) && want != nil || err != nil && want == nil {
			t.Errorf("nonce %d, nc=2: %v, want %v", i, err, want)
		}
	}
	if err := d.UseCount(nonces[4999], 1); !errors.Is(err, guard.ErrStale) {
		t.Errorf("nonce 4999, nc=1 again: %v, want stale", err)
	}

	// Once they expire, nonces are forgotten.
	now = now.Add(guard.DefaultNonceLifetime + time.Second)
	if err := d.UseCount(d.NewNonce(), 1); err != nil {
		t.Fatal(err)
	}
	if held := d.NoncesHeld(); held != 1 {
		t.Errorf("%d nonces held after the others expired, want 1", held)
	}
}

// The memory the record takes is bounded by MaxNonces, at less than 200
// bytes a nonce.
func TestDigestCountsMemory(t *testing.T) {
	const max, used = 20000, 60000
	d := guard.NewDigest("r", []byte("key"))
	d.MaxNonces = max
	nonces := make([]string, used)
	for i := range nonces {
		nonces[i] = d.NewNonce()
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for i, n := range nonces {
		if err := d.UseCount(n, 1); err != nil {
			t.Fatalf("nonce %d: %v", i, err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(nonces)
	grown := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
	t.Logf("%d nonces used, %d held: heap grew %d bytes, %d a nonce held", used, d.NoncesHeld(), grown, grown/max)
	if d.NoncesHeld() != max {
		t.Errorf("%d nonces held, want %d", d.NoncesHeld(), max)
	}
	if grown > 200*max {
		t.Errorf("heap grew %d bytes for %d nonces held, want at most 200 a nonce", grown, max)
	}
}

// A nonce first used when the record is full, and older than every nonce
// in it, is the one forgotten.
func TestDigestCountsOldNewcomer(t *testing.T) {
	d := guard.NewDigest("r", []byte("key"))
	now := time.Unix(1_700_000_000, 0)
	d.SetClock(func() time.Time { return now })
	d.MaxNonces = 2
	var n [3]string
	for i := range n {
		now = now.Add(time.Second)
		n[i] = d.NewNonce()
	}
	for _, i := range []int{1, 2} {
		if err := d.UseCount(n[i], 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.UseCount(n[0], 1); !errors.Is(err, guard.ErrStale) {
		t.Errorf("the oldest nonce, first used when full: %v, want stale", err)
	}
	if err := d.UseCount(n[1], 2); err != nil || d.NoncesHeld() != 2 {
		t.Errorf("the held nonces were disturbed: %v, %d held", err, d.NoncesHeld())
	}
}
