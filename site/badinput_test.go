package site_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// streamer writes chunks in a loop until a write fails, and reports that
// failure on errs.
type streamer struct {
	resource.Leaf
	started chan struct{}
	errs    chan error
}

func (s *streamer) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		chunk := []byte(strings.Repeat("x", 1024) + "\n")
		for i := 0; ; i++ {
			if _, err := r.Write(chunk); err != nil {
				s.errs <- err
				return
			}
			if i == 0 {
				close(s.started)
			}
			if i > 1<<20 { // a gigabyte: the client never left
				s.errs <- errors.New("writes never failed")
				r.Finish()
				return
			}
		}
	}()
	return nil, resource.NotDoneYet
}

// serveLimited serves root with the http.Server that Site.Server makes,
// so that its header limits apply.
func serveLimited(t *testing.T, root resource.Resource, configure ...func(*site.Site)) *httptest.Server {
	t.Helper()
	s := site.New(root)
	for _, f := range configure {
		f(s)
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Config = s.Server()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return srv
}

func TestBadInput(t *testing.T) {
	root := resource.New()
	root.PutChild("ok", page("fine"))
	root.PutChild("form", argsLeaf{})
	root.PutChild("echo", leafEcho{})
	var log syncBuffer
	access := make(lines, 64)
	srv := serveLimited(t, root, logTo(&log), func(s *site.Site) { s.AccessLog = access })
	const hdrs = "Host: x\r\nConnection: close\r\n"
	longPath := "/" + strings.Repeat("a", 80<<10)
	longOK := "/echo/" + strings.Repeat("b", 32<<10)
	form := "--xyz\r\nbroken header\r\n\r\nvalue\r\n--xyz--\r\n"
	tests := []struct {
		name    string
		request string
		code    int
		body    string // a substring of the body, if not ""
		site    bool   // the Site answered (it logs a line)
		half    bool   // close the sending side after the request
	}{
		{"bad escape", "GET /%zz HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false, false},
		{"lone percent", "GET /% HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false, false},
		{"dotdot", "GET /../ok HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true, false},
		{"encoded dotdot", "GET /%2e%2e/ok HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true, false},
		{"dotdot reaches traversal", "GET /echo/../%2E%2E/x HTTP/1.1\r\n" + hdrs + "\r\n", 200, `"post":["..","..","x"]`, true, false},
		{"NUL", "GET /ok%00 HTTP/1.1\r\n" + hdrs + "\r\n", 404, "No Such Resource", true, false},
		{"NUL in a leaf", "GET /echo/a%00b HTTP/1.1\r\n" + hdrs + "\r\n", 200, `"post":["a\u0000b"]`, true, false},
		{"long path within limits", "GET " + longOK + " HTTP/1.1\r\n" + hdrs + "\r\n", 200, "bbbb", true, false},
		{"over-long path", "GET " + longPath + " HTTP/1.1\r\n" + hdrs + "\r\n", 431, "", false, false},
		{"over-long header", "GET /ok HTTP/1.1\r\n" + hdrs + "X-Big: " + strings.Repeat("h", 80<<10) + "\r\n\r\n", 431, "", false, false},
		{"many headers", "GET /ok HTTP/1.1\r\n" + hdrs + strings.Repeat("X-H: 0123456789abcdef\r\n", 4000) + "\r\n", 431, "", false, false},
		{"garbage method", "G@T /ok HTTP/1.1\r\n" + hdrs + "\r\n", 400, "", false, false},
		{"unknown method", "BREW /ok HTTP/1.1\r\n" + hdrs + "\r\n", 501, "Huh?", true, false},
		{"lowercase method", "get /ok HTTP/1.1\r\n" + hdrs + "\r\n", 501, "Huh?", true, false},
		{"bad version", "GET /ok HTTP/9.9\r\n" + hdrs + "\r\n", 505, "", false, false},
		{"no Host", "GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "", false, false},
		{"malformed multipart", "POST /form HTTP/1.1\r\n" + hdrs +
			"Content-Type: multipart/form-data; boundary=xyz\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(form)) + form, 400, "400 - Bad Request", true, false},
		{"truncated body", "POST /form HTTP/1.1\r\n" + hdrs +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\na=1", 400, "400 - Bad Request", true, true},
		{"bad chunking", "POST /form HTTP/1.1\r\n" + hdrs +
			"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\na=1\r\n0\r\n\r\n", 400, "400 - Bad Request", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text string
			if tt.half {
				text = rawHalfClose(t, srv, tt.request)
			} else {
				text = raw(t, srv, tt.request)
			}
			resp, body := rawResponse(t, text, "GET")
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

// rawHalfClose is raw, but it closes its sending side after text, so the
// server sees the end of the body at once.
func rawHalfClose(t *testing.T, srv *httptest.Server, text string) string {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, text); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	b, _ := io.ReadAll(conn)
	return string(b)
}

func TestClientGoesAwayMidStream(t *testing.T) {
	st := &streamer{started: make(chan struct{}), errs: make(chan error, 1)}
	root := resource.New()
	root.PutChild("stream", st)
	root.PutChild("ok", page("fine"))
	var log syncBuffer
	_, srv := serve(t, root, logTo(&log))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatal(err)
	}
	<-st.started
	conn.Close()
	select {
	case err := <-st.errs:
		if !errors.Is(err, request.ErrGone) {
			t.Errorf("write after the client left: %v, want ErrGone", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("writes never failed")
	}
	if resp, body := do(t, srv, "GET", "/ok", nil); resp.StatusCode != 200 || body != "fine" {
		t.Errorf("next request: %d %q", resp.StatusCode, body)
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
