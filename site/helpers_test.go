package site_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

// Helpers of this package's own, shared by several of its test files.

// tlsServer serves a Site over root with ServeTLS, on a certificate the
// test makes, and returns the Site, its https URL, a client that trusts
// the certificate and speaks HTTP/2 (Go's, with ForceAttemptHTTP2), and
// the certificate's PEM file for other clients.
func tlsServer(t *testing.T, root resource.Resource, configure ...func(*site.Site)) (s *site.Site, url string, client *http.Client, caFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert := testutil.WriteCert(t, certFile, keyFile, 1)
	s = site.New(root)
	for _, f := range configure {
		f(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.ServeTLS(ln, certFile, keyFile) }()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		s.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return s, "https://" + ln.Addr().String(), &http.Client{Transport: tr}, certFile
}

// stream writes "start;" at once, then returns NotDoneYet; the test's
// goroutine writes the rest through the Request it receives.
type stream struct {
	resource.Leaf
	reqs chan *request.Request
}

func (s *stream) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Type", "text/plain")
	r.Write([]byte("start;"))
	s.reqs <- r
	return nil, resource.NotDoneYet
}
