package handler_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/site"
)

// A mounted handler reads the body as it streams, but a client that stops
// sending it is cut after the Site's BodyIdleTimeout, as Content's reader
// is: the handler's read fails with the 408 StatusError, and the
// connection closes.
func TestBodyIdleTimeout(t *testing.T) {
	got := make(chan error, 1)
	root := resource.New()
	root.PutChild("h", handler.New(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, err := io.ReadAll(req.Body)
		got <- err
		var se *request.StatusError
		if errors.As(err, &se) {
			http.Error(w, "cut", se.Code)
		}
	})))
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })

	// Raw returns when the server closes the connection; before the fix it
	// waited for its own ten-second deadline and got nothing.
	text := testutil.Raw(t, srv, "POST /h/x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\nhello")
	err := testutil.Receive(t, got, 10*time.Second, "the handler's read never ended")
	var se *request.StatusError
	if !errors.Is(err, request.ErrBodyTimeout) || !errors.As(err, &se) || se.Code != http.StatusRequestTimeout {
		t.Fatalf("the handler read error %v, want a 408 StatusError wrapping ErrBodyTimeout", err)
	}
	if !strings.HasPrefix(text, "HTTP/1.1 408 ") || !strings.Contains(text, "Connection: close") {
		t.Errorf("the client got %q, want the handler's 408 and the connection closed", text)
	}
}

// A handler that gives up on a cut body without answering leaves the
// client the framework's 408 page, not an empty 200.
func TestBodyIdleTimeoutUnanswered(t *testing.T) {
	root := resource.New()
	root.PutChild("h", handler.New(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.ReadAll(req.Body)
	})))
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })
	text := testutil.Raw(t, srv, "POST /h HTTP/1.1\r\nHost: example.com\r\nContent-Length: 100\r\n\r\nhello")
	resp, body := testutil.ParseResponse(t, text, "POST")
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive in time") || !resp.Close {
		t.Errorf("got %d close=%v %q, want the 408 page and the connection closed", resp.StatusCode, resp.Close, body)
	}
}

// A body that arrives whole streams through unchanged, and a later request
// on the same connection is served: the guard leaves the connection alone.
func TestBodyStreamsWhole(t *testing.T) {
	root := resource.New()
	root.PutChild("h", handler.New(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("reading the body: %v", err)
		}
		io.WriteString(w, strings.ToUpper(string(b)))
	})))
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = time.Minute })
	for i := range 3 { // the client keeps one connection
		resp, body := testutil.Do(t, srv, "POST", "/h", strings.NewReader("some body"))
		if resp.StatusCode != 200 || body != "SOME BODY" {
			t.Fatalf("request %d: got %d %q", i, resp.StatusCode, body)
		}
	}
}

// A request without a body reaches the handler with http.NoBody, as from
// net/http itself, so that code that checks for it still works.
func TestNoBody(t *testing.T) {
	root := resource.New()
	root.PutChild("h", handler.New(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.WriteString(w, strconv.FormatBool(req.Body == http.NoBody))
	})))
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	if resp, body := testutil.Do(t, srv, "GET", "/h", nil); resp.StatusCode != 200 || body != "true" {
		t.Errorf("got %d %q, want the handler to see http.NoBody", resp.StatusCode, body)
	}
}
