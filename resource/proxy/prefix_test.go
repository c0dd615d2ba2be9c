package proxy_test

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

// escapes are request targets whose path tries to leave the proxy's
// upstream prefix, each in another encoding. All must get 400 and reach
// nothing upstream.
var escapes = []string{
	"/proxy/../admin.txt",
	"/proxy/./admin.txt",
	"/proxy/x/../../admin.txt",
	"/proxy/..",
	"/proxy/.",
	"/proxy/%2e%2e/admin.txt",
	"/proxy/%2E%2E/admin.txt",
	"/proxy/.%2E/admin.txt",
	"/proxy/%2e./admin.txt",
	"/proxy/%2e/admin.txt",
	"/proxy/..%2Fadmin.txt",
	"/proxy/..%2fadmin.txt",
	"/proxy/a%2F..%2F..%2Fadmin.txt",
	"/proxy/%2F..%2Fadmin.txt",
	"/proxy/a%2Fb",
	"/proxy/..%5Cadmin.txt",
	"/proxy/..%5cadmin.txt",
	"/proxy/..%00",
	"/proxy/ok.txt/..%2F..%2Fadmin.txt",
	"http://example.com/proxy/../admin.txt",
}

// forwarded are request targets that stay under the prefix, and the
// escaped path the upstream gets for each.
var forwarded = []struct{ target, upstream string }{
	{"/proxy/ok.txt", "/base/ok.txt"},
	{"/proxy/a/b", "/base/a/b"},
	{"/proxy/...", "/base/..."},
	{"/proxy/.hidden", "/base/.hidden"},
	{"/proxy/a..b", "/base/a..b"},
	{"/proxy/%252e%252e/admin.txt", "/base/%252e%252e/admin.txt"},
	{"/proxy//admin.txt", "/base//admin.txt"},
}

// rawGet sends target to addr exactly as given (a client would clean it)
// and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	resp, body := testutil.GetRaw(t, addr, target)
	return resp.StatusCode, body
}

// proxyTo serves a root with a ReverseProxy to upstream+"/base" as its
// child "proxy", and returns the server's address.
func proxyTo(t *testing.T, upstream string) string {
	t.Helper()
	u, err := url.Parse(upstream + "/base")
	if err != nil {
		t.Fatal(err)
	}
	root := resource.New()
	root.PutChild("proxy", proxy.NewReverseProxy(u))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	return srv.Listener.Addr().String()
}

// The paths a Go upstream receives are exactly those of the requests that
// stay under the prefix.
func TestPrefixKept(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = append(seen, req.URL.EscapedPath())
		mu.Unlock()
		io.WriteString(w, "upstream")
	}))
	defer up.Close()
	addr := proxyTo(t, up.URL)

	for _, target := range escapes {
		code, body := rawGet(t, addr, target)
		if code != http.StatusBadRequest || !strings.Contains(body, "<title>400 - Bad Request</title>") {
			t.Errorf("%s: %d %q, want the 400 page", target, code, body)
		}
	}
	mu.Lock()
	if len(seen) > 0 {
		t.Errorf("the upstream was reached by %q", seen)
	}
	mu.Unlock()

	var want []string
	for _, tt := range forwarded {
		want = append(want, tt.upstream)
		if code, body := rawGet(t, addr, tt.target); code != http.StatusOK || body != "upstream" {
			t.Errorf("%s: %d %q, want the upstream's 200", tt.target, code, body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, want) {
		t.Errorf("upstream saw %q, want %q", seen, want)
	}
}

// Against Python's http.server, which resolves ".." and decodes %2F
// before it splits the path, none of the escapes reaches the file outside
// the prefix.
func TestPrefixKeptPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing")
		}
		t.Skip("python3 is missing: apt-get install python3")
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"admin.txt":         "SECRET admin",
		"base/ok.txt":       "ok",
		"base/sub/deep.txt": "deep",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	upstream := startPython(t, python, dir)

	// Without the proxy, the upstream does serve the file above the prefix.
	if code, body := rawGet(t, strings.TrimPrefix(upstream, "http://"), "/base/../admin.txt"); code != 200 || body != "SECRET admin" {
		t.Fatalf("python upstream: /base/../admin.txt gave %d %q; the test needs it to resolve ..", code, body)
	}
	addr := proxyTo(t, upstream)
	for _, target := range append(escapes, "/proxy/sub/%2e%2e/%2e%2e/admin.txt") {
		code, body := rawGet(t, addr, target)
		if code != http.StatusBadRequest || strings.Contains(body, "SECRET") {
			t.Errorf("%s: %d %q, want 400", target, code, body)
		}
	}
	for target, want := range map[string]string{"/proxy/ok.txt": "ok", "/proxy/sub/deep.txt": "deep"} {
		if code, body := rawGet(t, addr, target); code != 200 || body != want {
			t.Errorf("%s: %d %q, want 200 %q", target, code, body, want)
		}
	}
}

// startPython serves dir with python3 -m http.server on a free loopback
// port until the test ends, and returns its URL.
func startPython(t *testing.T, python, dir string) string {
	t.Helper()
	cmd := exec.Command(python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	port := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			// "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
			if _, rest, ok := strings.Cut(sc.Text(), " port "); ok {
				p, _, _ := strings.Cut(rest, " ")
				select {
				case port <- p:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		<-done
	})
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		t.Fatal("python3 -m http.server did not say which port it serves within 30s")
		return ""
	}
}

// A path of 31,000 segments is forwarded with memory linear in its length
// (it once cost memory in its square: 2 GB).
func TestLongPathForwarded(t *testing.T) {
	var got int
	upstream := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got = len(req.URL.EscapedPath())
	})
	u, _ := url.Parse("http://upstream.test/base")
	p := proxy.NewReverseProxy(u)
	p.Proxy.Transport = roundTripper(func(req *http.Request) (*http.Response, error) {
		w := httptest.NewRecorder()
		upstream.ServeHTTP(w, req)
		return w.Result(), nil
	})
	root := resource.New()
	root.PutChild("proxy", p)
	s := site.New(root)
	s.Logger = slog.New(slog.DiscardHandler)
	defer s.Close()
	target := "/proxy" + strings.Repeat("/a", 31000)
	req := httptest.NewRequest("GET", target, nil)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	runtime.ReadMemStats(&m1)
	if w.Code != 200 || got != len("/base")+2*31000 {
		t.Fatalf("status %d, upstream path of %d bytes", w.Code, got)
	}
	n := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("forwarding a %d-byte path allocated %d bytes", len(target), n)
	if n > 8<<20 {
		t.Errorf("forwarding a %d-byte path allocated %d bytes, want at most 8 MiB", len(target), n)
	}
}
