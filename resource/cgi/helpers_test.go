//go:build unix

package cgi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// writeScript writes an executable file name in dir and returns its path.
func writeScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// sh returns a /bin/sh script made of lines.
func sh(lines ...string) string {
	return "#!/bin/sh\n" + strings.Join(lines, "\n") + "\n"
}

// served is a Site serving a tree over HTTP, with its log.
type served struct {
	*httptest.Server
	site *site.Site
	log  *testutil.SyncBuffer
}

// serve serves root until the test ends, logging at level Debug;
// configure may set the Site's fields before the first request.
func serve(t *testing.T, root resource.Resource, configure ...func(*site.Site)) *served {
	t.Helper()
	log := new(testutil.SyncBuffer)
	debug := func(s *site.Site) {
		s.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, srv := testutil.Serve(t, root, append([]func(*site.Site){debug}, configure...)...)
	return &served{Server: srv, site: s, log: log}
}

// response is what a client got.
type response struct {
	code   int
	header http.Header
	body   string
}

// do sends req and reads the whole response, without following redirects.
func (s *served) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, body := testutil.Send(t, testutil.NoRedirects(s.Client()), req)
	return response{resp.StatusCode, resp.Header, body}
}

// get sends a GET for target, a path and query.
func (s *served) get(t *testing.T, target string) response {
	t.Helper()
	return s.do(t, testutil.NewRequest(t, http.MethodGet, s.URL+target, nil))
}

// python returns the path of a python3 interpreter (the real one, not a
// shim that needs the environment a script does not get), or skips the
// test without one (fails it on CI).
func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err == nil {
		var out []byte
		out, err = exec.Command(p, "-c", "import sys; print(sys.executable)").Output()
		p = strings.TrimSpace(string(out))
	}
	if err != nil || p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is needed: %v", err)
		}
		t.Skipf("python3 not usable (install the Debian package python3): %v", err)
	}
	return p
}

// readPID waits for a script to write its process id in file.
func readPID(t *testing.T, file string) int {
	t.Helper()
	var pid int
	testutil.Eventually(t, "the pid in "+file, func() bool {
		b, err := os.ReadFile(file)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(string(bytes.TrimSpace(b)))
		return err == nil
	})
	return pid
}

// alive reports whether the process pid runs: a zombie, killed and not
// yet reaped by whoever adopted it, does not.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if os.IsNotExist(err) {
		return false
	}
	if err != nil { // no /proc: ask the kernel
		return syscall.Kill(pid, 0) == nil
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || (b[i+2] != 'Z' && b[i+2] != 'X')
}

// waitGone waits until none of the processes pids runs.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		testutil.Eventually(t, fmt.Sprintf("process %d to be killed", pid), func() bool { return !alive(pid) })
	}
}

// killed waits until none of the processes pids runs and the log says
// logged.
func (s *served) killed(t *testing.T, pids []int, logged string) {
	t.Helper()
	waitGone(t, pids...)
	defer func() {
		if t.Failed() {
			t.Logf("the log:\n%s", s.log)
		}
	}()
	testutil.Eventually(t, "the log line "+logged, func() bool { return strings.Contains(s.log.String(), logged) })
}

// envScript prints its environment, then each argument as ARG=[...].
var envScript = sh(
	`printf 'Content-Type: text/plain\n\n'`,
	`env`,
	`for a in "$@"; do printf 'ARG=[%s]\n' "$a"; done`,
)

// parseEnv reads what envScript printed: the variables, and the arguments.
func parseEnv(body string) (map[string]string, []string) {
	env := make(map[string]string)
	var args []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		if k == "ARG" {
			args = append(args, strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"))
			continue
		}
		env[k] = v
	}
	return env, args
}
