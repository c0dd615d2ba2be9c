package redisstore_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/session/redisstore"
)

// countHook counts the commands sent to Redis, a pipeline as one round
// trip. The handshake of a new connection is not counted: the client
// sends it when it dials, which it may do for the Watch's subscription at
// any moment after a session gets a callback.
type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, handshake) {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// handshake reports whether cmd is one that go-redis sends on a new
// connection (HELLO, CLIENT SETINFO, CLIENT MAINT_NOTIFICATIONS).
func handshake(cmd redis.Cmder) bool {
	return cmd.Name() == "hello" || cmd.Name() == "client"
}

// TestRoundTrips counts the commands one request sends: one to read a
// session (loading its components and touching it), two to update a
// component, one to make a session and store a component (or none).
func TestRoundTrips(t *testing.T) {
	rs := startRedis(t, false)
	a := newInstance(t, rs, "a", session.New, redisstore.Options{})
	var n atomic.Int64
	a.client.AddHook(countHook{&n})
	uid := a.visitor(t)
	a.must(t, "count", uid) // the scripts are loaded now
	tests := []struct {
		path string
		uid  string
		want int64
	}{
		{"none", "", 0},
		{"read", uid, 1},
		{"get", uid, 1},
		{"count", uid, 2},
		{"get", "", 1},
		{"count", "", 1},
	}
	for _, tt := range tests {
		n.Store(0)
		a.must(t, tt.path, tt.uid)
		if got := n.Load(); got != tt.want {
			t.Errorf("GET /%s (cookie %v): %d round trips, want %d", tt.path, tt.uid != "", got, tt.want)
		}
	}
}
