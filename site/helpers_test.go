package site_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// serve starts a real HTTP server for a Site over root; configure may set
// the Site's fields. Both are closed when the test ends.
func serve(t *testing.T, root resource.Resource, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	s := site.New(root)
	for _, f := range configure {
		f(s)
	}
	srv := httptest.NewUnstartedServer(s)
	srv.Config.DisableGeneralOptionsHandler = true
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return s, srv
}

// do sends one request and returns the response with its body read.
func do(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// raw writes text on a fresh connection and returns everything the server
// sends until it closes (the request should say Connection: close).
func raw(t *testing.T, srv *httptest.Server, text string) string {
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
	b, _ := io.ReadAll(conn)
	return string(b)
}

// rawResponse parses what raw returned.
func rawResponse(t *testing.T, text, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(text)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("parsing %q: %v", text, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// echo renders where traversal left the request, as JSON.
type echo struct{ resource.Base }

func (e *echo) RenderGET(r *request.Request) ([]byte, error) {
	return json.Marshal(map[string][]string{"pre": r.Prepath(), "post": r.Postpath()})
}

// leafEcho is echo as a leaf.
type leafEcho struct{ resource.Leaf }

func (leafEcho) RenderGET(r *request.Request) ([]byte, error) {
	return json.Marshal(map[string][]string{"pre": r.Prepath(), "post": r.Postpath()})
}

// text is a resource with a fixed GET body.
type text struct {
	resource.Base
	body string
}

func (x *text) RenderGET(*request.Request) ([]byte, error) { return []byte(x.body), nil }

// page returns a text resource.
func page(body string) *text { return &text{body: body} }

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logTo returns a configure func sending the Site's log to buf as text.
func logTo(buf *syncBuffer) func(*site.Site) {
	return func(s *site.Site) { s.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}
