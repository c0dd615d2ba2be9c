// Package testutil holds what the tests of several packages share: a real
// HTTP server for a Site, requests that return their whole body, raw
// connections for what a client library would not send, a buffer safe for
// concurrent writers, a few small resources, TLS certificates in files, and
// the external programs a test needs. Only tests import it.
//
// Tests that use it must be external test packages (package x_test): it
// imports site, resource and request.
package testutil

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// Serve starts a real HTTP server for a Site that serves root and returns
// both; each configure func may set the Site's fields before it serves. The
// server lets "OPTIONS *" reach the Site, as the Site's own server does.
// Both are closed when the test ends.
func Serve(t testing.TB, root resource.Resource, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	return serve(t, plain, root, configure)
}

// ServeTLS is Serve over TLS (HTTP/1.1); the server's Client trusts its
// certificate.
func ServeTLS(t testing.TB, root resource.Resource, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	return serve(t, overTLS, root, configure)
}

// ServeHTTP2 is ServeTLS with HTTP/2 offered, as the Site's own TLS
// serving does; the server's Client speaks it.
func ServeHTTP2(t testing.TB, root resource.Resource, configure ...func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	return serve(t, overHTTP2, root, configure)
}

// How a test server speaks.
const (
	plain = iota
	overTLS
	overHTTP2
)

func serve(t testing.TB, how int, root resource.Resource, configure []func(*site.Site)) (*site.Site, *httptest.Server) {
	t.Helper()
	s := site.New(root)
	for _, f := range configure {
		f(s)
	}
	return s, start(t, s, &http.Server{Handler: s, DisableGeneralOptionsHandler: true}, how)
}

// Start serves s with the server config on a real listener. Both are closed
// when the test ends.
func Start(t testing.TB, s *site.Site, config *http.Server) *httptest.Server {
	t.Helper()
	return start(t, s, config, plain)
}

// StartSignalling serves s as Start does with a plain server, and sends on
// the returned channel (buffered, of one) each time s's ServeHTTP returns:
// for tests of what happens after the server's handler is done.
func StartSignalling(t testing.TB, s *site.Site) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	returned := make(chan struct{}, 1)
	srv := Start(t, s, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r)
		returned <- struct{}{}
	})})
	return srv, returned
}

func start(t testing.TB, s *site.Site, config *http.Server, how int) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(s)
	srv.Config = config
	srv.EnableHTTP2 = how == overHTTP2
	if how == plain {
		srv.Start()
	} else {
		srv.StartTLS()
	}
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return srv
}

// Quiet is a configure func for Serve: the Site's log is discarded.
func Quiet(s *site.Site) { s.Logger = slog.New(slog.DiscardHandler) }

// LogTo returns a configure func for Serve that sends the Site's log to w,
// as text.
func LogTo(w io.Writer) func(*site.Site) {
	return func(s *site.Site) { s.Logger = slog.New(slog.NewTextHandler(w, nil)) }
}

// NewRequest returns a request for url with the given header, as name and
// value pairs, failing the test if url is invalid.
func NewRequest(t testing.TB, method, url string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// Send sends req with c and returns the response with its whole body read.
func Send(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
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

// Informational is an informational (1xx) response a client received
// before the final one.
type Informational struct {
	Code   int
	Header http.Header
}

// SendTraced is Send that also returns the informational responses that
// came before the final one.
func SendTraced(t testing.TB, c *http.Client, req *http.Request) ([]Informational, *http.Response, string) {
	t.Helper()
	var early []Informational
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		early = append(early, Informational{code, http.Header(h)})
		return nil
	}}
	resp, body := Send(t, c, req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	return early, resp, body
}

// Do sends one request for path to srv, with the header given as name and
// value pairs, and returns the response with its whole body read.
func Do(t testing.TB, srv *httptest.Server, method, path string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	return Send(t, srv.Client(), NewRequest(t, method, srv.URL+path, body, header...))
}

// GetLater sends GET url with c from a new goroutine, so that the test
// may go on (finish an asynchronous response, close the Site) while the
// response is on its way. The channel receives the response, its body
// unread, or nil if the request failed, which is reported with t.Error:
// receive from it before the test ends.
func GetLater(t testing.TB, c *http.Client, url string) <-chan *http.Response {
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := c.Get(url)
		if err != nil {
			t.Error(err)
		}
		respc <- resp
	}()
	return respc
}

// Receive returns the next value from c, failing the test with a message
// saying what did not happen if none comes within d (make it generous: it
// bounds a wait, it times nothing).
func Receive[T any](t testing.TB, c <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(d):
		t.Fatalf("after %v: %s", d, what)
		var zero T
		return zero
	}
}

// NoRedirects returns a copy of c that does not follow redirects: it returns
// the redirect itself.
func NoRedirects(c *http.Client) *http.Client {
	c2 := *c
	c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c2
}

// Raw writes text on a new connection to srv and returns everything the
// server sends until it closes the connection (the request should say
// Connection: close).
func Raw(t testing.TB, srv *httptest.Server, text string) string {
	t.Helper()
	return raw(t, srv.Listener.Addr().String(), text, false)
}

// RawAddr is Raw for any server, at addr (host:port).
func RawAddr(t testing.TB, addr, text string) string {
	t.Helper()
	return raw(t, addr, text, false)
}

// RawHalfClose is Raw, but it closes its sending side after text, so that
// the server sees the end of the request at once.
func RawHalfClose(t testing.TB, srv *httptest.Server, text string) string {
	t.Helper()
	return raw(t, srv.Listener.Addr().String(), text, true)
}

// GetRaw sends GET target to the server at addr exactly as given, where a
// client would clean the path, and returns the response with its body.
func GetRaw(t testing.TB, addr, target string) (*http.Response, string) {
	t.Helper()
	text := RawAddr(t, addr, "GET "+target+" HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
	return ParseResponse(t, text, http.MethodGet)
}

func raw(t testing.TB, addr, text string, halfClose bool) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, text); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		conn.(*net.TCPConn).CloseWrite()
	}
	b, _ := io.ReadAll(conn)
	return string(b)
}

// ParseResponse parses text, a response to a request with method, as Raw
// returned it, and returns it with its body read.
func ParseResponse(t testing.TB, text, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(text)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("parsing %q: %v", text, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Lines is a list of strings safe for concurrent appends, for what
// callbacks on other goroutines record.
type Lines struct {
	mu      sync.Mutex
	entries []string
}

// Add appends e.
func (l *Lines) Add(e string) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

// Get returns a copy of the entries added so far.
func (l *Lines) Get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// Text is a resource whose GET returns Body. It may have children.
type Text struct {
	resource.Base
	Body string
}

// Page returns a Text resource with body.
func Page(body string) *Text { return &Text{Body: body} }

// RenderGET returns the body.
func (x *Text) RenderGET(*request.Request) ([]byte, error) { return []byte(x.Body), nil }

// Paths is a leaf whose GET shows where traversal left the request, as
// JSON: {"post":[...],"pre":[...]}.
type Paths struct{ resource.Leaf }

// RenderGET returns the prepath and postpath.
func (Paths) RenderGET(r *request.Request) ([]byte, error) {
	return json.Marshal(map[string][]string{"pre": r.Prepath(), "post": r.Postpath()})
}

// Deferred is a leaf whose GET returns resource.NotDoneYet and hands the
// request to the test on Reqs.
type Deferred struct {
	resource.Leaf
	Reqs chan *request.Request
}

// NewDeferred returns a Deferred; Reqs holds one request unreceived.
func NewDeferred() *Deferred { return &Deferred{Reqs: make(chan *request.Request, 1)} }

// RenderGET hands r to the test and returns resource.NotDoneYet.
func (d *Deferred) RenderGET(r *request.Request) ([]byte, error) {
	d.Reqs <- r
	return nil, resource.NotDoneYet
}

// Func is a leaf that renders every method by calling the function.
type Func func(r *request.Request) ([]byte, error)

// IsLeaf returns true.
func (Func) IsLeaf() bool { return true }

// ChildWithDefault returns nil: a Func has no children.
func (Func) ChildWithDefault(string, *request.Request) resource.Resource { return nil }

// PutChild panics: a Func has no children.
func (Func) PutChild(name string, _ resource.Resource) {
	panic("testutil: PutChild(" + name + ") on a Func")
}

// Render calls f.
func (f Func) Render(r *request.Request) ([]byte, error) { return f(r) }

// Discard is a reusable http.ResponseWriter that counts the body's bytes
// and drops them, for benchmarks that measure the handler rather than a
// recorder. Reset readies it for the next request.
type Discard struct {
	H    http.Header
	Code int // the status written, 200 once the body starts without one
	N    int // the body bytes written
}

// NewDiscard returns a Discard with an empty header map.
func NewDiscard() *Discard { return &Discard{H: make(http.Header)} }

// Header returns the header map.
func (d *Discard) Header() http.Header { return d.H }

// WriteHeader records code.
func (d *Discard) WriteHeader(code int) { d.Code = code }

// Write counts p.
func (d *Discard) Write(p []byte) (int, error) {
	if d.Code == 0 {
		d.Code = http.StatusOK
	}
	d.N += len(p)
	return len(p), nil
}

// Flush does nothing: there is no client.
func (d *Discard) Flush() {}

// Reset empties the header map and forgets the status and byte count.
func (d *Discard) Reset() {
	clear(d.H)
	d.Code, d.N = 0, 0
}

// Python returns a python3 that can import module: the one on PATH first,
// then Debian's, which is where Debian's Python packages install. Without
// one it skips the test, naming the Debian package to install, or fails
// it when CI is "true".
func Python(t testing.TB, module, debianPackage string) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range append(candidates, "/usr/bin/python3") {
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	msg := "no python3 with " + module + ": apt-get install -y " + debianPackage
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// WriteFiles writes the files named in files (a slash-separated path below
// dir: the content), making the directories they need.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Program returns the path of the program name, or skips the test, naming
// the Debian package to install, or fails it when CI is "true".
func Program(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " is missing: apt-get install -y " + debianPackage
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// WriteCert makes a self-signed TLS certificate for 127.0.0.1, for servers
// that load theirs from PEM files as real ones do: it has the serial number
// serial and is valid for an hour either side of now; it is written to
// certFile and its P-256 key to keyFile (PKCS #8), each replaced through a
// rename as a certificate renewal does. A client trusts it once it is in
// the client's RootCAs.
func WriteCert(t testing.TB, certFile, keyFile string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "test " + strconv.FormatInt(serial, 10)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ReplaceFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	ReplaceFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// ReplaceFile writes data to name through a temporary file and a rename, so
// that a reader sees the old content or the new, never a part.
func ReplaceFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name+".new", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(name+".new", name); err != nil {
		t.Fatal(err)
	}
}

// Stacks returns the stacks of all goroutines, whole (runtime.Stack cuts
// them at the buffer's end, which could hide the goroutine a test waits
// for). Each goroutine's stack begins with "goroutine ID [" and ends with
// a blank line.
func Stacks() string {
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	for ; n == len(buf); n = runtime.Stack(buf, true) {
		buf = make([]byte, 2*len(buf))
	}
	return string(buf[:n])
}

// Eventually polls cond every few milliseconds until it holds, failing t
// with what if it does not within a deadline generous enough for a loaded
// machine (a minute): for what real processes and sockets do, which a
// fake clock cannot drive.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
