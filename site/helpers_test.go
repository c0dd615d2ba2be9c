package site_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// The helpers of internal/testutil, under the short names this package's
// tests use.

// serve is testutil.Serve: a real HTTP server for a Site over root.
func serve(t *testing.T, root resource.Resource, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	return testutil.Serve(t, root, configure...)
}

// do is testutil.Do: one request, with its response and whole body.
func do(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	return testutil.Do(t, srv, method, path, body, header...)
}

// page is testutil.Page: a resource with a fixed GET body.
func page(body string) *testutil.Text { return testutil.Page(body) }

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer = testutil.SyncBuffer

// deferred is testutil.Deferred, with its channel of requests as reqs.
type deferred struct {
	*testutil.Deferred
	reqs chan *request.Request
}

func newDeferred() *deferred {
	d := testutil.NewDeferred()
	return &deferred{d, d.Reqs}
}

// lines is an access log that hands each line to the test.
type lines chan string

func (l lines) Write(p []byte) (int, error) {
	l <- string(p)
	return len(p), nil
}

// next returns the next access-log line.
func (l lines) next(t *testing.T) string {
	t.Helper()
	return testutil.Receive(t, l, 10*time.Second, "no access-log line")
}
