package redisstore_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/internal/testutil"
)

// redisServer is a redis-server started for one test, on a unix socket in
// the test's temporary directory, with its default configuration but for
// these: no port, no snapshots, and, if persist is set, an append-only file
// synced at every write, so that it keeps its data across a kill and a
// restart.
type redisServer struct {
	t       testing.TB
	dir     string
	sock    string
	persist bool

	mu  sync.Mutex
	cmd *exec.Cmd
}

// startRedis starts a redis-server for t, stopped when t ends. Without
// redis-server, t fails in CI (CI=true) and is skipped elsewhere.
func startRedis(t testing.TB, persist bool) *redisServer {
	t.Helper()
	testutil.Program(t, "redis-server", "redis-server")
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	if len(sock) > 100 { // sun_path holds 108 bytes
		d, err := os.MkdirTemp("", "redis")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir, sock = d, filepath.Join(d, "redis.sock")
	}
	rs := &redisServer{t: t, dir: dir, sock: sock, persist: persist}
	rs.start()
	t.Cleanup(rs.kill)
	return rs
}

// start starts the server and waits until it answers.
func (rs *redisServer) start() {
	rs.t.Helper()
	args := []string{
		"--port", "0",
		"--unixsocket", rs.sock,
		"--unixsocketperm", "700",
		"--dir", rs.dir,
		"--save", "",
		"--logfile", filepath.Join(rs.dir, "redis.log"),
	}
	if rs.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	}
	cmd := exec.Command("redis-server", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		rs.t.Fatalf("starting redis-server: %v", err)
	}
	rs.mu.Lock()
	rs.cmd = cmd
	rs.mu.Unlock()
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: rs.sock, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(rs.dir, "redis.log"))
			rs.t.Fatalf("redis-server did not answer: %v\n%s", err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill stops the server at once (SIGKILL), as a crash would.
func (rs *redisServer) kill() {
	rs.mu.Lock()
	cmd := rs.cmd
	rs.cmd = nil
	rs.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	os.Remove(rs.sock)
}

// client returns a client of the server, closed when the test ends. Its
// timeouts are short, so that an outage shows at once.
func (rs *redisServer) client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Network:      "unix",
		Addr:         rs.sock,
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		MaxRetries:   1,
	})
	t.Cleanup(func() { c.Close() })
	return c
}
