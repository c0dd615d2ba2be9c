package websocket_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource/websocket"
)

// FuzzHandshake checks the handshake's checks against the library's own:
// a request passes checkHandshake exactly when Accept would go on to
// switch protocols, so that Accept never answers a request with a page of
// its own; and an Origin that originAllowed lets through, Accept lets
// through too. Neither may panic on any input.
func FuzzHandshake(f *testing.F) {
	log.SetOutput(io.Discard) // Accept logs malformed origin patterns
	f.Fuzz(func(t *testing.T, method, connection, upgrade, version, key, origin, host, pattern string) {
		h := http.Header{}
		for name, v := range map[string]string{
			"Connection": connection, "Upgrade": upgrade, "Sec-Websocket-Version": version,
			"Sec-Websocket-Key": key, "Origin": origin,
		} {
			if v != "" {
				h[name] = strings.Split(v, "\n") // several lines of one header
			}
		}
		hr := &http.Request{
			Method: method, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Host: host, URL: &url.URL{Path: "/ws"}, RequestURI: "/ws",
		}
		r := request.New(httptest.NewRecorder(), hr, nil)
		ours := websocket.CheckHandshake(r)
		if ours != nil {
			var se *request.StatusError
			if !errors.As(ours, &se) || se.Code != http.StatusBadRequest && se.Code != http.StatusUpgradeRequired {
				t.Fatalf("checkHandshake: %v, want a 400 or 426 StatusError", ours)
			}
		}
		var patterns []string
		if pattern != "" {
			patterns = []string{pattern}
		}
		allowed := websocket.OriginAllowed(r.Header("Origin"), hr.Host, patterns)
		if h.Get("Origin") != r.Header("Origin") {
			// Accept reads the first Origin line, the Request the last;
			// compare on one.
			return
		}

		rec := httptest.NewRecorder()
		_, err := cws.Accept(rec, hr, &cws.AcceptOptions{OriginPatterns: patterns})
		if err == nil {
			t.Fatal("Accept succeeded without a connection to hijack")
		}
		reached := strings.Contains(err.Error(), "does not implement http.Hijacker") // every check passed
		originRefused := rec.Code == http.StatusForbidden
		switch {
		case ours == nil && !reached && !originRefused:
			t.Fatalf("checkHandshake passed a request that Accept refuses: %v", err)
		case ours != nil && (reached || originRefused):
			t.Fatalf("checkHandshake refused a request that Accept takes: %v", ours)
		case ours == nil && allowed && originRefused:
			t.Fatalf("originAllowed(%q, %q, %q) let through what Accept refuses: %v", origin, host, patterns, err)
		}
	})
}
