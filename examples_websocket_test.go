package web_test

// End-to-end tests of the WebSocket examples: a Go client (and, for the
// chat, a headless Chromium) against the example running as a process.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsURL turns the example's http:// URL into a ws:// one for path.
func (e *example) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(e.url, "http") + path
}

// dialWS connects a WebSocket client to the example; the connection is cut
// when the test ends.
func dialWS(t *testing.T, e *example, path string, client *http.Client) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.wsURL(path), &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readWS reads text messages until want returns true for one, or the
// connection fails, and returns the messages read.
func readWS(t *testing.T, c *websocket.Conn, what string, want func(msg string) bool) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pollTimeout)
	defer cancel()
	var got []string
	for {
		_, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("%s: after %q: %v", what, got, err)
		}
		got = append(got, string(p))
		if want(string(p)) {
			return got
		}
	}
}

func testWebSocket(t *testing.T, bin string) {
	e := start(t, bin, "websocket")
	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, `<button onclick="doConnect()">connect websocket</button>`,
		`<script src="websocket-browser-client.js"></script>`)
	resp, body = e.get(t, "/websocket-browser-client.js")
	expect(t, "GET /websocket-browser-client.js", resp, body, http.StatusOK, "function doConnect()", `"websocket-server"`)
	expectHeader(t, "GET /websocket-browser-client.js", resp, "Content-Type", "text/javascript; charset=utf-8")
	resp, body = e.get(t, "/websocket-server")
	expect(t, "GET /websocket-server without the upgrade", resp, body, http.StatusBadRequest, "<title>400 - Bad Request</title>")

	// What Twisted's page shows: a heartbeat at once, the reply to the
	// page's message, then a heartbeat a second.
	began := time.Now()
	c := dialWS(t, e, "/websocket-server", nil)
	if got := readWS(t, c, "first message", func(string) bool { return true }); got[0] != "heartbeat 1" {
		t.Errorf("the first message is %q, want heartbeat 1", got[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte("hello world")); err != nil {
		t.Fatal(err)
	}
	got := readWS(t, c, "heartbeat 3", func(msg string) bool { return msg == "heartbeat 3" })
	if elapsed := time.Since(began); elapsed < 2*time.Second {
		t.Errorf("three heartbeats came within %v; they come a second apart", elapsed)
	}
	beats := 1
	replied := false
	for _, msg := range got {
		switch {
		case msg == "reply to hello world":
			replied = true
		case msg == fmt.Sprintf("heartbeat %d", beats+1):
			beats++
		default:
			t.Errorf("unexpected message %q among %q", msg, got)
		}
	}
	if !replied {
		t.Errorf("no reply to the message among %q", got)
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Errorf("close: %v", err)
	}

	// Another site's page may not connect on its visitors' behalf.
	ctx, cancel = context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, e.wsURL("/websocket-server"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a handshake from another origin: %v, %v; want 403", resp, err)
	}
}

func testWebSocketChat(t *testing.T, bin string) {
	e := start(t, bin, "websocket-chat")
	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, `<ul id="log"></ul>`, `new WebSocket(url)`)
	expectHeader(t, "GET /", resp, "Content-Type", "text/html; charset=utf-8")

	// The watcher's name is kept in its session: a second connection with
	// the same cookie and no name is still the watcher.
	jar := newJar(t)
	client := newClient(jar)
	watcher := dialWS(t, e, "/chat?name=watcher", client)
	readWS(t, watcher, "watcher joins", func(msg string) bool { return msg == "watcher joined" })
	again := dialWS(t, e, "/chat", client)
	readWS(t, watcher, "the watcher's second connection", func(msg string) bool { return msg == "watcher joined" })
	readWS(t, again, "the second connection's own join", func(msg string) bool { return msg == "watcher joined" })
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if err := again.Write(ctx, websocket.MessageText, []byte("it's me")); err != nil {
		t.Fatal(err)
	}
	readWS(t, watcher, "a message from the second connection", func(msg string) bool { return msg == "watcher: it's me" })
	again.Close(websocket.StatusNormalClosure, "")
	readWS(t, watcher, "the second connection leaves", func(msg string) bool { return msg == "watcher left" })

	// A visitor without a name is a guest, whose name does not show the
	// room the key to the visitor's session, its id.
	guestJar := newJar(t)
	guest := dialWS(t, e, "/chat", newClient(guestJar))
	got := readWS(t, watcher, "a guest joins", func(msg string) bool { return strings.HasSuffix(msg, " joined") })
	m := regexp.MustCompile(`^guest-(\w{4}) joined$`).FindStringSubmatch(got[len(got)-1])
	if m == nil {
		t.Fatalf("a visitor without a name joined as %q, want guest-XXXX", got[len(got)-1])
	}
	cookies := guestJar.Cookies(&url.URL{Scheme: "http", Host: strings.TrimPrefix(e.url, "http://")})
	if len(cookies) != 1 {
		t.Fatalf("the guest's handshake set the cookies %v, want one session", cookies)
	}
	if strings.HasPrefix(strings.ToLower(cookies[0].Value), strings.ToLower(m[1])) {
		t.Errorf("the guest's name %q shows the room part of its session id %q", m[0], cookies[0].Value)
	}
	guest.CloseNow()

	// A browser loads the page with a message in its URL: the watcher sees
	// it arrive, and the page shows what it received, as text.
	say := "<b>hello</b> & welcome"
	dom := chromiumDOM(t, e.url+"/?"+url.Values{"name": {"robot"}, "say": {say}}.Encode())
	readWS(t, watcher, "the browser's message", func(msg string) bool { return msg == "robot: "+say })
	for _, want := range []string{
		"<li>connected</li>",
		"<li>robot joined</li>",
		"<li>robot: &lt;b&gt;hello&lt;/b&gt; &amp; welcome</li>",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page shows %q, without %q", logOf(dom), want)
		}
	}
	readWS(t, watcher, "the browser leaves", func(msg string) bool { return msg == "robot left" })
}

// logOf returns the chat's log from a page's DOM, for messages.
func logOf(dom string) string {
	if m := regexp.MustCompile(`(?s)<ul id="log">.*?</ul>`).FindString(dom); m != "" {
		return m
	}
	return dom
}

// chromiumDOM loads pageURL in a headless Chromium and returns the DOM it
// ends with. Without Chromium the test is skipped, or fails in CI.
func chromiumDOM(t *testing.T, pageURL string) string {
	t.Helper()
	return string(chromium(t, "--virtual-time-budget=5000", "--dump-dom", pageURL))
}

// chromium runs a headless Chromium with args and returns its standard
// output. Without Chromium the test is skipped, or fails in CI.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if bin, err = exec.LookPath("chromium-browser"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("chromium is needed: apt-get install -y chromium")
			}
			t.Skip("chromium not found; install the Debian package chromium (apt-get install -y chromium)")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("chromium did not finish within a minute; stderr:\n%s", stderr.String())
		}
		t.Fatalf("chromium: %v; stderr:\n%s", err, stderr.String())
	}
	return out
}
