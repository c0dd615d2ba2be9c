package site_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// serveLimited serves root with the http.Server that Site.Server makes,
// so that its header limits apply.
func serveLimited(t *testing.T, root resource.Resource, configure ...func(*site.Site)) *httptest.Server {
	t.Helper()
	s := site.New(root)
	for _, f := range configure {
		f(s)
	}
	return testutil.Start(t, s, s.Server())
}

func TestBadInput(t *testing.T) {
	root := resource.New()
	root.PutChild("ok", page("fine"))
	root.PutChild("echo", testutil.Paths{})
	var log syncBuffer
	access := make(lines, 64)
	srv := serveLimited(t, root, testutil.LogTo(&log), func(s *site.Site) { s.AccessLog = access })
	const hdrs = "Host: x\r\nConnection: close\r\n"
	longPath := "/" + strings.Repeat("a", 80<<10)
	longOK := "/echo/" + strings.Repeat("b", 32<<10)
	tests := []struct {
		name    string
		request string
		code    int
		body    string // a substring of the body, if not ""
		site    bool   // the Site answered (it logs a line)
	}{
		{"bad escape", "GET /%zz HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false},
		{"lone percent", "GET /% HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false},
		{"dotdot", "GET /../ok HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true},
		{"encoded dotdot", "GET /%2e%2e/ok HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true},
		{"dotdot reaches traversal", "GET /echo/../%2E%2E/x HTTP/1.1\r\n" + hdrs + "\r\n", 200, `"post":["..","..","x"]`, true},
		{"NUL", "GET /ok%00 HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true},
		{"NUL in a leaf", "GET /echo/a%00b HTTP/1.1\r\n" + hdrs + "\r\n", 200, `"post":["a\u0000b"]`, true},
		{"long path within limits", "GET " + longOK + " HTTP/1.1\r\n" + hdrs + "\r\n", 200, "bbbb", true},
		{"over-long path", "GET " + longPath + " HTTP/1.1\r\n" + hdrs + "\r\n", 431, "", false},
		{"over-long header", "GET /ok HTTP/1.1\r\n" + hdrs + "X-Big: " + strings.Repeat("h", 80<<10) + "\r\n\r\n", 431, "", false},
		{"many headers", "GET /ok HTTP/1.1\r\n" + hdrs + strings.Repeat("X-H: 0123456789abcdef\r\n", 4000) + "\r\n", 431, "", false},
		{"garbage method", "G@T /ok HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false},
		{"unknown method", "BREW /ok HTTP/1.1\r\n" + hdrs + "\r\n", 501, "Huh?", true},
		{"lowercase method", "get /ok HTTP/1.1\r\n" + hdrs + "\r\n", 501, "Huh?", true},
		{"bad version", "GET /ok HTTP/9.9\r\n" + hdrs + "\r\n", 505, "", false},
		{"no Host", "GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := testutil.ParseResponse(t, testutil.Raw(t, srv, tt.request), "GET")
			if resp.StatusCode != tt.code || !strings.Contains(body, tt.body) {
				t.Errorf("%d %.200q; want %d with %q", resp.StatusCode, body, tt.code, tt.body)
			}
			// After each bad input the server answers the next request normally.
			if resp, body := do(t, srv, "GET", "/ok", nil); resp.StatusCode != 200 || body != "fine" {
				t.Errorf("next request: %d %q", resp.StatusCode, body)
			}
			// The Site logged the bad request if it saw it, then /ok.
			const next = `"GET /ok HTTP/1.1" 200 4 `
			if tt.site {
				if line := access.next(t); strings.Contains(line, next) {
					t.Errorf("the Site did not see the request: %s", line)
				}
			}
			if line := access.next(t); !strings.Contains(line, next) {
				t.Errorf("log: %s", line)
			}
		})
	}
	if strings.Contains(log.String(), "panic") {
		t.Errorf("a panic was logged:\n%s", log.String())
	}
}

// A client that sends half a request line and leaves does not hurt the next one.
func TestPartialRequestThenNormal(t *testing.T) {
	srv := serveLimited(t, page("fine"))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Partial: ")
	conn.Close()
	client := srv.Client()
	resp, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d", resp.StatusCode)
	}
}
