package request_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

// startTwisted runs testdata/twisted_probe.py and returns the base URLs of
// its two Sites: the probe tree, and the Site whose root remembers. The
// process is killed when the test ends.
func startTwisted(t *testing.T) (tree, rootRemembers string) {
	py := testutil.Python(t, "twisted.web.server", "python3-twisted")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, py, "testdata/twisted_probe.py")
	var stderr bytes.Buffer // Twisted logs the tracebacks of the 500s the tests ask for
	cmd.Stderr = &stderr
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = first
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("twisted_probe.py's stderr:\n%s", stderr.Bytes())
		}
	})
	select {
	case line := <-first.line:
		p := strings.Fields(line)
		if len(p) != 2 {
			t.Fatalf("twisted_probe.py printed %q, want two ports", line)
		}
		return "http://127.0.0.1:" + p[0], "http://127.0.0.1:" + p[1]
	case <-time.After(time.Minute):
		t.Fatal("twisted_probe.py printed no ports within a minute")
	}
	return "", ""
}

// firstLine is a writer that sends the first line written to it on line,
// and discards the rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sent {
		w.buf = append(w.buf, p...)
		if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
			w.line <- string(w.buf[:i])
			w.sent = true
		}
	}
	return len(p), nil
}

// noKeepAlives is a client that leaves no connection open.
var noKeepAlives = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// twistedGET is probeGET against a Twisted Site, whose report leaves out
// what Twisted does not have; its own host:port is replaced by HOST.
func twistedGET(t *testing.T, base, path string, header ...string) probeResult {
	t.Helper()
	code, body := get(t, noKeepAlives, base, path, "", header...)
	if code != http.StatusOK {
		t.Fatalf("Twisted: GET %s: %d %s", path, code, body)
	}
	body = strings.ReplaceAll(body, strings.TrimPrefix(base, "http://"), "HOST")
	var res probeResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("Twisted: GET %s: %v: %s", path, err, body)
	}
	return res
}

// TestTwistedAgrees serves the probe tree with Twisted and checks the
// tables of accessors_test.go and urlpath_test.go against what Twisted's
// accessors answer, over HTTP.
func TestTwistedAgrees(t *testing.T) {
	tree, rootRemembers := startTwisted(t)
	go1 := serve(t, probeTree())
	t.Run("getUser", func(t *testing.T) {
		for _, tt := range basicAuthTests {
			header := repeatHeader("Authorization", tt.header)
			res := twistedGET(t, tree, "/leaf", header...)
			if user, password := unhex(res.User), unhex(res.Password); user != tt.user || password != tt.password {
				t.Errorf("%s: Twisted's getUser, getPassword = %q, %q; the table says %q, %q", tt.name, user, password, tt.user, tt.password)
			}
		}
	})
	t.Run("URLPath", func(t *testing.T) {
		for _, tt := range urlPathTests {
			want := tt.want
			if tt.twisted != "" {
				want = tt.twisted
			}
			code, body := get(t, noKeepAlives, tree, urlPathQuery(tt.base, tt.op, tt.arg, tt.keep), "")
			if want == "error" {
				if code != http.StatusInternalServerError {
					t.Errorf("%s %s(%q): Twisted answers %d %q, the table says it fails", tt.base, tt.op, tt.arg, code, body)
				}
			} else if code != http.StatusOK || body != want {
				t.Errorf("%s %s(%q, keep %v): Twisted answers %d %q, the table says %q", tt.base, tt.op, tt.arg, tt.keep, code, body, want)
			}
		}
	})
	t.Run("links", func(t *testing.T) {
		for _, site := range []struct {
			base  string
			tests []struct{ path, sibling, child, appRoot string }
		}{{tree, linkTests}, {rootRemembers, rootLinkTests}} {
			for _, tt := range site.tests {
				res := twistedGET(t, site.base, tt.path)
				if res.Sibling != tt.sibling || res.Child != tt.child || res.AppRoot != tt.appRoot {
					t.Errorf("%s: Twisted's sibLink %q, childLink %q, getRootURL %q; the table says %q, %q, %q",
						tt.path, res.Sibling, res.Child, res.AppRoot, tt.sibling, tt.child, tt.appRoot)
				}
			}
		}
	})
	t.Run("cookies", func(t *testing.T) {
		for _, tt := range cookieTests {
			header := repeatHeader("Cookie", tt.lines)
			code, body := get(t, noKeepAlives, tree, "/cookies", "", header...)
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil {
				t.Fatalf("%s: Twisted: %d %q", tt.name, code, body)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: Twisted's received_cookies for %q are %q; the table says %q", tt.name, tt.lines, got, tt.want)
			}
		}
	})
	t.Run("no Host", func(t *testing.T) {
		addr := strings.TrimPrefix(tree, "http://")
		for _, tt := range noHostTests {
			if !tt.twisted {
				continue
			}
			resp, body := testutil.ParseResponse(t, testutil.RawAddr(t, addr, tt.raw), "GET")
			var res probeResult
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				t.Fatalf("%q: Twisted: %d %q", tt.raw, resp.StatusCode, body)
			}
			fix := func(s string) string { return strings.ReplaceAll(s, addr, "HOST") }
			if fix(res.PrePathURL) != tt.prePathURL || fix(res.URLPath) != tt.prePathURL || fix(res.AppRoot) != tt.appRoot {
				t.Errorf("%q: Twisted's prePathURL %q, URLPath %q, getRootURL %q; the table says %q, %q, %q",
					tt.raw, res.PrePathURL, res.URLPath, res.AppRoot, tt.prePathURL, tt.prePathURL, tt.appRoot)
			}
		}
	})
	t.Run("segments", func(t *testing.T) {
		addr := strings.TrimPrefix(tree, "http://")
		for _, tt := range segmentTests {
			raw := "GET " + tt.target + " HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"
			resp, body := testutil.ParseResponse(t, testutil.RawAddr(t, addr, raw), "GET")
			var res probeResult
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				t.Fatalf("%q: Twisted: %d %q", tt.target, resp.StatusCode, body)
			}
			if fmt.Sprint(res.Prepath) != fmt.Sprint(hexes(tt.prepath)) || fmt.Sprint(res.Postpath) != fmt.Sprint(hexes(tt.postpath)) {
				t.Errorf("%q: Twisted's prepath %q, postpath %q; the table says %q, %q", tt.target,
					unhexes(res.Prepath), unhexes(res.Postpath), tt.prepath, tt.postpath)
			}
		}
	})
	t.Run("request", func(t *testing.T) {
		// The same request to both: what they report must match, with the
		// addresses made comparable.
		for _, path := range []string{"/leaf", "/leaf/a/b?x=1", "/foo/", "/foo/bar/baz", "/foo/a%2Fb%20c/", "/leaf/%C3%A9"} {
			header := []string{"Test", "lemur", "Test", "panda", "Authorization", "Basic dXNlcjpwYXNz"}
			tw := twistedGET(t, tree, path, header...)
			goRes := probeGET(t, noKeepAlives, go1.URL, path, "", header...)
			goRes = comparable(goRes, strings.TrimPrefix(go1.URL, "http://"))
			tw.Client, tw.AuthOK, tw.RemoteNet, tw.LocalNet = goRes.Client, goRes.AuthOK, goRes.RemoteNet, goRes.LocalNet
			twJSON, _ := json.Marshal(tw)
			goJSON, _ := json.Marshal(goRes)
			t.Logf("GET %s: %s", path, goJSON)
			if string(twJSON) != string(goJSON) {
				t.Errorf("GET %s:\nTwisted %s\nGo      %s", path, twJSON, goJSON)
			}
		}
	})
}

// comparable makes a Go probe's report comparable with Twisted's: its
// host:port becomes HOST, the client's port is dropped, and an AppRootURL
// that was not remembered is Twisted's None.
func comparable(res probeResult, host string) probeResult {
	fix := func(s string) string { return strings.ReplaceAll(s, host, "HOST") }
	res.RemotePort = 0
	res.LocalAddr = fix(res.LocalAddr)
	res.URLPath, res.PrePathURL = fix(res.URLPath), fix(res.PrePathURL)
	if res.AppRoot = fix(res.AppRoot); res.AppRoot == "http://HOST/" {
		res.AppRoot = ""
	}
	for k, v := range res.Headers {
		res.Headers[k] = fix(v)
	}
	if res.User == "" && res.Password == "" {
		res.User, res.Password = hex.EncodeToString(nil), hex.EncodeToString(nil)
	}
	return res
}
