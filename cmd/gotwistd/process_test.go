package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

// These tests run the command as a user does: installed with go install
// into a temporary directory, started as a process, spoken to over HTTP
// and HTTPS, and stopped with signals. Waits poll until a generous
// deadline; nothing is timed.

const deadline = 30 * time.Second

// install builds the command into a fresh directory and returns its path.
func install(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "install", ".")
	cmd.Env = append(os.Environ(), "GOBIN="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	return filepath.Join(bin, "gotwistd")
}

// syncBuffer is a buffer safe for a writer and a reader at once.
type syncBuffer = testutil.SyncBuffer

// proc is a running gotwistd.
type proc struct {
	cmd    *exec.Cmd
	urls   []string    // from its "listening on" lines
	stdout *syncBuffer // what it printed after those lines
	stderr *syncBuffer
	done   chan struct{} // closed once it has exited; then err is set
	err    error
}

// start runs gotwistd with args in dir and waits for its n "listening on"
// lines. The process is killed when the test ends, if it still runs.
func start(t *testing.T, bin, dir string, n int, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, n)
	go func() {
		left := n
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening on "); ok && left > 0 {
				left--
				lines <- url
				continue
			}
			p.stdout.Write([]byte(sc.Text() + "\n"))
		}
		io.Copy(io.Discard, out)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	timeout := time.After(deadline)
	for len(p.urls) < n {
		select {
		case url := <-lines:
			p.urls = append(p.urls, url)
		case <-p.done:
			t.Fatalf("gotwistd %q exited: %v\n%s", args, p.err, p.stderr)
		case <-timeout:
			t.Fatalf("gotwistd %q printed %d listening lines; stderr:\n%s", args, len(p.urls), p.stderr)
		}
	}
	return p
}

// stop sends sig and waits for the process to exit; it returns the
// exit error (nil for status 0).
func (p *proc) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.err
	case <-time.After(deadline):
		t.Fatalf("gotwistd did not exit after %v; stderr:\n%s", sig, p.stderr)
		return nil
	}
}

// fetch GETs url with client and returns the response with its body.
func fetch(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	return testutil.Send(t, client, testutil.NewRequest(t, "GET", url, nil))
}

func newClient(t *testing.T, tr *http.Transport) *http.Client {
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestServeDirectory(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	www := filepath.Join(dir, "www")
	testutil.WriteFiles(t, www, map[string]string{
		"a.txt":         "hello\n",
		"data.zzz":      "raw",
		"sub/index.txt": "sub index",
	})
	sock := filepath.Join(dir, "web.sock")
	p := start(t, bin, dir, 2, "-n", "web", "--path", "www", "--listen", "tcp:0:interface=127.0.0.1",
		"--listen", "unix:"+sock+":mode=600", "--mime-type", "application/x-unknown", "--index", "index.txt",
		"--add-header", "X-Served-By: gotwistd")
	if !strings.HasPrefix(p.urls[0], "http://127.0.0.1:") || p.urls[1] != "unix:"+sock {
		t.Fatalf("listening on %q", p.urls)
	}
	client := newClient(t, &http.Transport{})
	tests := []struct {
		path, code, ctype, body string
	}{
		{"/a.txt", "200", "text/plain; charset=utf-8", "hello\n"},
		{"/data.zzz", "200", "application/x-unknown", "raw"},
		{"/sub/", "200", "text/plain; charset=utf-8", "sub index"},
		{"/missing", "404", "text/html; charset=utf-8", ""},
		{"/", "200", "text/html; charset=utf-8", ""},
	}
	for _, tt := range tests {
		resp, body := fetch(t, client, p.urls[0]+tt.path)
		if strconv.Itoa(resp.StatusCode) != tt.code || resp.Header.Get("Content-Type") != tt.ctype ||
			tt.body != "" && body != tt.body || resp.Header.Get("X-Served-By") != "gotwistd" {
			t.Errorf("GET %s: %d %q %q, X-Served-By %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header.Get("X-Served-By"))
		}
	}
	if _, body := fetch(t, client, p.urls[0]+"/"); !strings.Contains(body, `<a href="a.txt">a.txt</a>`) {
		t.Errorf("listing:\n%s", body)
	}

	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket: %v %v, want a socket with mode 600", fi, err)
	}
	unixClient := newClient(t, &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}})
	if resp, body := fetch(t, unixClient, "http://gotwistd/a.txt"); resp.StatusCode != 200 || body != "hello\n" {
		t.Errorf("over the Unix socket: %d %q", resp.StatusCode, body)
	}
	client.CloseIdleConnections()
	unixClient.CloseIdleConnections()
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit: %v\n%s", err, p.stderr)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket is left behind: %v", err)
	}
}

func TestDemoPage(t *testing.T) {
	p := start(t, install(t), t.TempDir(), 1, "web", "--port", "tcp:0:interface=127.0.0.1")
	client := newClient(t, &http.Transport{})
	for _, path := range []string{"/", "/any/path"} {
		if resp, body := fetch(t, client, p.urls[0]+path); resp.StatusCode != 200 || !strings.Contains(body, "gotwistd is running") {
			t.Errorf("GET %s: %d %q", path, resp.StatusCode, body)
		}
	}
}

// tlsClient trusts the certificates given and speaks HTTP/2 if h2.
func tlsClient(t *testing.T, h2 bool, certs ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: h2, DisableKeepAlives: !h2}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // HTTP/1.1 only
	}
	return newClient(t, tr)
}

func TestHTTPS(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"www/a.txt": "secret\n"})
	cert := testutil.WriteCert(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), 1)
	// The new spelling and the old one, which also takes a file holding
	// both the key and the certificate.
	combined, err := os.ReadFile(filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	testutil.WriteFiles(t, dir, map[string]string{"server.pem": string(combined) + string(certPEM)})
	p := start(t, bin, dir, 3, "web", "--path", "www",
		"--listen", "ssl:0:interface=127.0.0.1:privateKey=key.pem:certKey=cert.pem",
		"--listen", "tcp:0:interface=127.0.0.1",
		"--https", "0")
	if !strings.HasPrefix(p.urls[0], "https://127.0.0.1:") || !strings.HasPrefix(p.urls[1], "http://") || !strings.HasPrefix(p.urls[2], "https://") {
		t.Fatalf("listening on %q", p.urls)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(p.urls[2], "https://"))
	for _, url := range []string{p.urls[0], "https://127.0.0.1:" + port} {
		for _, h2 := range []bool{true, false} {
			resp, body := fetch(t, tlsClient(t, h2, cert), url+"/a.txt")
			wantProto := map[bool]int{true: 2, false: 1}[h2]
			if resp.StatusCode != 200 || body != "secret\n" || resp.ProtoMajor != wantProto {
				t.Errorf("GET %s/a.txt (h2 %v): %d %q over %s", url, h2, resp.StatusCode, body, resp.Proto)
			}
		}
	}
	if resp, _ := fetch(t, newClient(t, &http.Transport{}), p.urls[1]+"/a.txt"); resp.StatusCode != 200 || resp.TLS != nil {
		t.Errorf("plain HTTP beside: %d", resp.StatusCode)
	}

	// curl, a client no one here wrote, negotiates HTTP/2 too.
	curl := testutil.Program(t, "curl", "curl")
	out, err := exec.Command(curl, "--http2", "-sS", "--cacert", filepath.Join(dir, "cert.pem"),
		"-w", "\n%{http_version}", p.urls[0]+"/a.txt").CombinedOutput()
	if err != nil || string(out) != "secret\n\n2" {
		t.Errorf("curl --http2: %q %v", out, err)
	}
}

// TestSIGHUPReopensLogAndReloadsCertificates rotates the access log and
// renews the certificate as logrotate and an ACME client would, then sends
// SIGHUP: the next lines go to the new file, the next handshakes get the
// new certificate; a broken certificate file leaves the old one served.
func TestSIGHUPReopensLogAndReloadsCertificates(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"www/a.txt": "hello\n"})
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert1 := testutil.WriteCert(t, certFile, keyFile, 1)
	p := start(t, bin, dir, 1, "web", "--path", "www", "--logfile", "access.log",
		"--listen", "ssl:0:interface=127.0.0.1:privateKey=key.pem:certKey=cert.pem")
	url := p.urls[0] + "/a.txt"
	logName := filepath.Join(dir, "access.log")

	served := func(client *http.Client) *big.Int {
		t.Helper()
		resp, _ := fetch(t, client, url)
		return resp.TLS.PeerCertificates[0].SerialNumber
	}
	if s := served(tlsClient(t, false, cert1)); s.Int64() != 1 {
		t.Fatalf("serial %v", s)
	}
	line := regexp.MustCompile(`^"127\.0\.0\.1" - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /a.txt HTTP/1.1" 200 6 "-" "Go-http-client/1.1"\n$`)
	testutil.Eventually(t, "the access log line", func() bool {
		b, _ := os.ReadFile(logName)
		return len(b) > 0
	})
	if b, _ := os.ReadFile(logName); !line.Match(b) {
		t.Errorf("access log %q", b)
	}

	if err := os.Rename(logName, logName+".1"); err != nil {
		t.Fatal(err)
	}
	cert2 := testutil.WriteCert(t, certFile, keyFile, 2)
	hups := strings.Count(p.stderr.String(), "SIGHUP")
	p.cmd.Process.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "SIGHUP to be handled", func() bool { return strings.Count(p.stderr.String(), "SIGHUP") > hups })
	if s := served(tlsClient(t, false, cert1, cert2)); s.Int64() != 2 {
		t.Errorf("after SIGHUP the certificate served has serial %v, want the renewed one", s)
	}
	testutil.Eventually(t, "a line in the reopened log", func() bool {
		b, _ := os.ReadFile(logName)
		return len(b) > 0
	})
	if b, _ := os.ReadFile(logName); !line.Match(b) {
		t.Errorf("reopened access log %q", b)
	}
	if b, _ := os.ReadFile(logName + ".1"); strings.Count(string(b), "\n") != 1 {
		t.Errorf("the rotated log got more lines: %q", b)
	}

	// A broken certificate on the next SIGHUP: the renewed one stays.
	testutil.ReplaceFile(t, certFile, []byte("not a certificate"))
	hups = strings.Count(p.stderr.String(), "SIGHUP")
	p.cmd.Process.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "SIGHUP to be handled", func() bool { return strings.Count(p.stderr.String(), "SIGHUP") > hups+1 })
	if !strings.Contains(p.stderr.String(), "the old one stays") {
		t.Errorf("no error logged for the broken certificate:\n%s", p.stderr)
	}
	if s := served(tlsClient(t, false, cert2)); s.Int64() != 2 {
		t.Errorf("after a failed reload the certificate served has serial %v, want 2", s)
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit: %v\n%s", err, p.stderr)
	}
}

func TestLogToStdout(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{"a.txt": "x"})
	p := start(t, install(t), dir, 1, "web", "--path", ".", "--logfile", "-", "--listen", "tcp:0:interface=127.0.0.1")
	fetch(t, newClient(t, &http.Transport{}), p.urls[0]+"/a.txt")
	testutil.Eventually(t, "the access log line on stdout", func() bool {
		return strings.Contains(p.stdout.String(), `"GET /a.txt HTTP/1.1" 200 1 "-" "Go-http-client/1.1"`)
	})
}

// TestSignalsStopGracefully stops the server while a large file is being
// sent: the response finishes, new connections are refused, the process
// exits with status 0 and removes its pid file. A client that stops
// reading is cut off when --shutdown-timeout passes.
func TestSignalsStopGracefully(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	big := strings.Repeat("0123456789abcdef", 1<<20) // 16 MiB: far more than socket buffers hold
	testutil.WriteFiles(t, dir, map[string]string{"big.bin": big})
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := start(t, bin, dir, 1, "--pidfile", "gotwistd.pid", "web", "--path", ".", "--listen", "tcp:0:interface=127.0.0.1")
			if b, err := os.ReadFile(filepath.Join(dir, "gotwistd.pid")); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(p.cmd.Process.Pid) {
				t.Errorf("pid file %q %v", b, err)
			}
			client := newClient(t, &http.Transport{})
			resp, err := client.Get(p.urls[0] + "/big.bin")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			first := make([]byte, 16)
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatal(err)
			}
			p.cmd.Process.Signal(sig)
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(first)+string(rest) != big {
				t.Errorf("in-flight response: %d bytes, %v; want all %d", len(first)+len(rest), err, len(big))
			}
			client.CloseIdleConnections()
			if err := p.stop(t, sig); err != nil {
				t.Errorf("exit: %v\n%s", err, p.stderr)
			}
			if c, err := net.Dial("tcp", strings.TrimPrefix(p.urls[0], "http://")); err == nil {
				c.Close()
				t.Error("the address still accepts connections")
			}
			if _, err := os.Stat(filepath.Join(dir, "gotwistd.pid")); !os.IsNotExist(err) {
				t.Errorf("pid file left: %v", err)
			}
		})
	}
	t.Run("grace period", func(t *testing.T) {
		p := start(t, bin, dir, 1, "web", "--path", ".", "--shutdown-timeout", "50ms", "--listen", "tcp:0:interface=127.0.0.1")
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.urls[0], "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := conn.Read(make([]byte, 1)); err != nil { // the response has begun; read no more
			t.Fatal(err)
		}
		if err := p.stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("exit: %v\n%s", err, p.stderr)
		}
		if !strings.Contains(p.stderr.String(), "shutdown grace ran out") {
			t.Errorf("stderr:\n%s", p.stderr)
		}
	})
}

// TestUnixSocketLeftByDeadServer starts on a socket path that a killed
// server left behind: it is replaced, unless lockfile=0 asks otherwise.
func TestUnixSocketLeftByDeadServer(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as if killed: the file stays, nobody listens

	var stdout, stderr syncBuffer
	cmd := exec.Command(bin, "web", "--listen", "unix:"+sock+":lockfile=0")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("lockfile=0 on a stale socket: %v, %q", err, stderr.String())
	}
	p := start(t, bin, dir, 1, "web", "--listen", "unix:"+sock)
	if p.urls[0] != "unix:"+sock {
		t.Errorf("listening on %q", p.urls)
	}
	// A live server's socket is never taken over.
	cmd = exec.Command(bin, "web", "--listen", "unix:"+sock)
	if err := cmd.Run(); err == nil {
		t.Error("a second server took over a live socket")
	}
}

// TestPidfile: as twistd, gotwistd refuses to start on a pid file that
// names a live process (which would lose its pid file when the second
// one exits), and replaces one whose process is gone.
func TestPidfile(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "gotwistd.pid")
	readPid := func() string {
		b, _ := os.ReadFile(pidfile)
		return strings.TrimSpace(string(b))
	}
	p := start(t, bin, dir, 1, "--pidfile", pidfile, "web", "--listen", "tcp:0:interface=127.0.0.1")
	pid := strconv.Itoa(p.cmd.Process.Pid)
	// refused runs gotwistd on the pid file and returns its exit status
	// and standard error; one that serves is killed at the deadline.
	refused := func() (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		var stderr syncBuffer
		cmd := exec.CommandContext(ctx, bin, "--pidfile", pidfile, "web", "--listen", "tcp:0:interface=127.0.0.1")
		cmd.Stderr = &stderr
		cmd.Run()
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	if code, stderr := refused(); code != 1 || !strings.Contains(stderr, "another server is running, pid "+pid) {
		t.Errorf("pid file of a live server: exit %d, stderr %q", code, stderr)
	}
	if got := readPid(); got != pid {
		t.Errorf("pid file of the live server now holds %q, want %s", got, pid)
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.stderr)
	}

	// 2147483647 is above any pid_max: no process has it.
	if err := os.WriteFile(pidfile, []byte("2147483647\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p = start(t, bin, dir, 1, "--pidfile", pidfile, "web", "--listen", "tcp:0:interface=127.0.0.1")
	if got := readPid(); got != strconv.Itoa(p.cmd.Process.Pid) {
		t.Errorf("stale pid file: holds %q, want the new pid %d", got, p.cmd.Process.Pid)
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.stderr)
	}

	for _, content := range []string{"garbage\n", "", "-1\n", "0\n"} {
		if err := os.WriteFile(pidfile, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stderr := refused(); code != 1 || !strings.Contains(stderr, "holds no process id") {
			t.Errorf("pid file %q: exit %d, stderr %q", content, code, stderr)
		}
		if got, _ := os.ReadFile(pidfile); string(got) != content {
			t.Errorf("pid file %q was changed to %q", content, got)
		}
	}
}

// TestStartFailures: what cannot be served is said on standard error,
// with status 1, and nothing is left listening.
func TestStartFailures(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"web", "--path", filepath.Join(dir, "missing")}, "--path: stat " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{[]string{"web", "--listen", "ssl:0:privateKey=" + filepath.Join(dir, "none.pem")}, "none.pem"},
		{[]string{"web", "--listen", "tcp:0:interface=127.0.0.1", "--listen", "tcp:" + port + ":interface=127.0.0.1"}, "address already in use"},
		{[]string{"web", "--logfile", filepath.Join(dir, "no", "such", "dir.log")}, "--logfile: open " + filepath.Join(dir, "no", "such", "dir.log") + ": no such file or directory"},
		{[]string{"web", "--logfile", dir}, "--logfile: open " + dir + ": is a directory"},
		{[]string{"--pidfile", filepath.Join(dir, "no", "such", "dir.pid"), "web", "--listen", "tcp:0:interface=127.0.0.1"}, "--pidfile: open " + filepath.Join(dir, "no", "such", "dir.pid") + ": no such file or directory"},
		{[]string{"--pidfile", dir, "web", "--listen", "tcp:0:interface=127.0.0.1"}, "--pidfile: read " + dir + ": is a directory"},
	}
	for _, tt := range tests {
		var stdout, stderr syncBuffer
		code := run(tt.args, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), tt.want) || stdout.String() != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 1 and %q", tt.args, code, stderr.String(), stdout.String(), tt.want)
		}
	}
}

// TestPathFiles: what --path does beyond serving bytes, as twistd web's
// does: .cgi files run, .rpy and .epy files are never shown (403, even
// when found through an ignored extension or a symbolic link, or named by
// --path itself),
// --ignore-ext and --allow-ignore-ext find a name's extension; and the
// command's own --no-listing and --follow-symlinks.
func TestPathFiles(t *testing.T) {
	bin := install(t)
	dir := t.TempDir()
	const rpy = "from twisted.web.static import Data\nresource = Data(b'secret source', 'text/plain')\n"
	testutil.WriteFiles(t, dir, map[string]string{
		"www/hello.cgi":     "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"cgi ran: $QUERY_STRING\"\n",
		"www/app.rpy":       rpy,
		"www/page.epy":      rpy,
		"www/UP.RPY":        rpy,
		"www/about.html":    "<p>about</p>",
		"www/notes.txt":     "notes",
		"www/sub/x.txt":     "x",
		"www/app/index.rpy": rpy,
		"www/app/users.db":  "private",
		"outside/out.txt":   "outside",
		"only.rpy":          rpy,
	})
	if err := os.Chmod(filepath.Join(dir, "www/hello.cgi"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Links inside www to scripts are the scripts: never shown, whatever
	// their own names, through a chain or a linked directory; a .cgi runs.
	for name, target := range map[string]string{
		"www/out":          filepath.Join(dir, "outside"),
		"www/app.txt":      "app.rpy",
		"www/chain.txt":    "app.txt",
		"www/page.html":    "page.epy",
		"www/run.txt":      "hello.cgi",
		"www/notes-link":   "notes.txt",
		"www/linked":       "sub",
		"www/sub/up.txt":   "../app.rpy",
		"only.txt":         "only.rpy",
		"www/sub/noted.md": "../notes.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	client := newClient(t, &http.Transport{})
	check := func(url string, code int, body string) {
		t.Helper()
		resp, got := fetch(t, client, url)
		if resp.StatusCode != code || body != "" && got != body || strings.Contains(got, "secret source") {
			t.Errorf("GET %s: %d %q, want %d %q", url, resp.StatusCode, got, code, body)
		}
	}

	p := start(t, bin, dir, 1, "web", "--path", "www", "--listen", "tcp:0:interface=127.0.0.1", "--ignore-ext", ".rpy", "--ignore-ext", ".html")
	u := p.urls[0]
	check(u+"/hello.cgi?a=1", 200, "cgi ran: a=1\n")
	check(u+"/app.rpy", 403, "")
	check(u+"/page.epy", 403, "")
	check(u+"/UP.RPY", 403, "")
	check(u+"/app", 403, "")
	check(u+"/about", 200, "<p>about</p>")
	check(u+"/notes", 404, "")
	check(u+"/out/out.txt", 404, "")
	check(u+"/app.txt", 403, "")
	check(u+"/chain.txt", 403, "")
	check(u+"/page.html", 403, "")
	check(u+"/run.txt?b=2", 200, "cgi ran: b=2\n")
	check(u+"/notes-link", 200, "notes")
	check(u+"/linked/up.txt", 403, "")
	check(u+"/linked/noted.md", 200, "notes")
	// twistd web's index names end with index.rpy: a directory that a
	// script answers is refused, as the script is, and never listed.
	if resp, body := fetch(t, client, u+"/app/"); resp.StatusCode != 403 || strings.Contains(body, "users.db") {
		t.Errorf("GET /app/ (which has an index.rpy): %d\n%s", resp.StatusCode, body)
	}
	if _, body := fetch(t, client, u+"/"); !strings.Contains(body, "app.rpy") {
		t.Errorf("the listing:\n%s", body)
	}

	p = start(t, bin, dir, 1, "web", "--path", "www", "--listen", "tcp:0:interface=127.0.0.1", "--allow-ignore-ext",
		"--no-listing", "--follow-symlinks")
	u = p.urls[0]
	check(u+"/notes", 200, "notes")
	check(u+"/hello", 200, "cgi ran: \n")
	check(u+"/", 403, "")
	check(u+"/sub/", 403, "")
	check(u+"/out/out.txt", 200, "outside")

	for _, path := range []string{"only.rpy", "only.txt"} {
		p = start(t, bin, dir, 1, "web", "--path", path, "--listen", "tcp:0:interface=127.0.0.1")
		check(p.urls[0]+"/", 403, "")
	}
}
