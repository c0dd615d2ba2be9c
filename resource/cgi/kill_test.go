//go:build unix

package cgi_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/site"
)

// hanging returns a script that starts a grandchild, a background sleep,
// writes its own pid and the grandchild's to the files leader and child
// of dir, prints before, and then hangs.
func hanging(t *testing.T, dir, before string) *cgi.Script {
	t.Helper()
	s := cgi.NewScript(writeScript(t, dir, "hang.cgi", sh(
		`sleep 1000 &`,
		`echo $! > "$PIDS/child"`,
		`echo $$ > "$PIDS/leader"`,
		`printf '`+before+`'`,
		`sleep 1000`,
	)))
	s.Env = []string{"PIDS=" + dir}
	return s
}

// pids returns the pids hanging's script wrote in dir.
func pids(t *testing.T, dir string) []int {
	t.Helper()
	return []int{readPID(t, filepath.Join(dir, "leader")), readPID(t, filepath.Join(dir, "child"))}
}

func TestTimeoutBeforeHeaders(t *testing.T) {
	dir := t.TempDir()
	s := hanging(t, dir, `Content-Type: text/plain\n`) // no blank line yet
	s.Timeout = time.Second
	srv := serve(t, s)
	got := srv.get(t, "/")
	if got.code != http.StatusGatewayTimeout || !strings.Contains(got.body, "<title>504 - Gateway Timeout</title>") {
		t.Errorf("got %d %q", got.code, got.body)
	}
	srv.killed(t, pids(t, dir), "timed out before its headers")
}

func TestTimeoutAfterHeaders(t *testing.T) {
	dir := t.TempDir()
	s := hanging(t, dir, `Content-Type: text/plain\n\npartial`)
	s.Timeout = time.Second
	srv := serve(t, s)
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "partial" || err == nil {
		t.Errorf("got %d %q, %v; want 200, the partial body and a cut connection", resp.StatusCode, body, err)
	}
	srv.killed(t, pids(t, dir), "script timed out")
}

func TestClientGoneBeforeHeaders(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, hanging(t, dir, ``)) // the default timeout
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	ps := pids(t, dir) // the script runs
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the request ended with %v", err)
	}
	srv.killed(t, ps, "client went away")
}

func TestClientGoneMidBody(t *testing.T) {
	dir := t.TempDir()
	srv := serve(t, hanging(t, dir, `Content-Type: text/plain\n\nfirst line\n`))
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if line != "first line\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	ps := pids(t, dir)
	resp.Body.Close() // unread: the connection is closed
	srv.killed(t, ps, "client went away")
}

func TestHeaderTooLarge(t *testing.T) {
	dir := t.TempDir()
	s := hanging(t, dir, `X-Big: `+strings.Repeat("x", 2000)+`\n`)
	s.MaxHeaderBytes = 1024
	srv := serve(t, s) // the default timeout: only the kill ends the script
	if got := srv.get(t, "/"); got.code != http.StatusBadGateway {
		t.Errorf("got %d %q", got.code, got.body)
	}
	srv.killed(t, pids(t, dir), "script headers too large")
}

// TestLeftoversKilled: a script that exits normally leaves no process
// behind, even one that no longer holds its output.
func TestLeftoversKilled(t *testing.T) {
	dir := t.TempDir()
	s := cgi.NewScript(writeScript(t, dir, "bg.cgi", sh(
		`sleep 1000 >/dev/null 2>&1 &`,
		`echo $! > "$PIDS/child"`,
		`printf 'Content-Type: text/plain\n\ndone'`,
	)))
	s.Env = []string{"PIDS=" + dir}
	srv := serve(t, s)
	if got := srv.get(t, "/"); got.body != "done" {
		t.Errorf("got %d %q", got.code, got.body)
	}
	waitGone(t, readPID(t, filepath.Join(dir, "child")))
}

// TestStreaming: the output reaches the client while the script runs; the
// script writes its second half only once the client has read the first.
func TestStreaming(t *testing.T) {
	dir := t.TempDir()
	const half = 4 << 20
	s := cgi.NewScript(writeScript(t, dir, "big.cgi", sh(
		`printf 'Content-Type: application/octet-stream\n\n'`,
		`head -c 4194304 /dev/zero`,
		`while [ ! -e "$PIDS/go" ]; do sleep 0.01; done`,
		`head -c 4194304 /dev/zero | tr '\0' x`,
	)))
	s.Env = []string{"PIDS=" + dir}
	s.Timeout = time.Minute // a server that buffers fails here, not in a hang
	srv := serve(t, s)
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, half)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("reading the first half: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || len(rest) != half || strings.Trim(string(rest), "x") != "" {
		t.Errorf("the second half: %d bytes, %v", len(rest), err)
	}
}

// TestSiteClose: closing the Site closes its connections, which ends the
// requests in flight and kills their scripts.
func TestSiteClose(t *testing.T) {
	dir := t.TempDir()
	s := site.New(hanging(t, dir, ``))
	s.Logger = slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	asked := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			resp.Body.Close()
		}
		asked <- err
	}()
	ps := pids(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
	<-asked
	waitGone(t, ps...)
}

// TestTimeoutStalledClients: a script whose output fills the connection
// of a client that never reads is killed on its timeout and reaped, its
// run logged as timed out, though its last write waits on the client.
func TestTimeoutStalledClients(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to count zombie processes in")
	}
	dir := t.TempDir()
	s := cgi.NewScript(writeScript(t, dir, "big.cgi", sh(
		`printf 'Content-Type: application/octet-stream\n\n'`,
		`head -c 67108864 /dev/zero`,
	)))
	s.Timeout = time.Second
	srv := serve(t, s)
	const clients = 3
	for range clients {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.(*net.TCPConn).SetReadBuffer(4 << 10); err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	}
	defer func() {
		if t.Failed() {
			t.Logf("%d zombie children; the log:\n%s", zombies(t), srv.log)
		}
	}()
	testutil.Eventually(t, "the runs to be logged as timed out", func() bool {
		return strings.Count(srv.log.String(), "script timed out") == clients
	})
	testutil.Eventually(t, "no zombie child", func() bool { return zombies(t) == 0 })
}

// zombies counts the children of the test process that exited and were
// not reaped.
func zombies(t *testing.T) int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range stats {
		b, err := os.ReadFile(name)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 2 && f[0] == "Z" && f[1] == strconv.Itoa(os.Getpid()) {
			n++
		}
	}
	return n
}
