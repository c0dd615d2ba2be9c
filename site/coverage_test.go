package site_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
	"github.com/gotwisted/web/site"
)

// TestListenAndServe: the TCP helpers report a bad address, and return
// http.ErrServerClosed when the Site closes.
func TestListenAndServe(t *testing.T) {
	s := site.New(resource.New())
	if err := s.ListenAndServe("256.0.0.1:0"); err == nil {
		t.Error("ListenAndServe on a bad address: no error")
	}
	if err := s.ListenAndServeTLS("256.0.0.1:0", "cert.pem", "key.pem"); err == nil {
		t.Error("ListenAndServeTLS on a bad address: no error")
	}
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe("127.0.0.1:0") }()
	s.Close()
	if err := testutil.Receive(t, done, 10*time.Second, "ListenAndServe's return after Close"); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ListenAndServe after Close: %v, want ErrServerClosed", err)
	}
}

// TestRoot: the Site's tree is the one it was made with.
func TestRoot(t *testing.T) {
	root := resource.New()
	s := site.New(root)
	defer s.Close()
	if s.Root() != root {
		t.Error("Root is not the tree New was given")
	}
}

// TestInspectorRecordsRequests: with an Inspector the Site records each
// request it serves, which the inspector's page then shows.
func TestInspectorRecordsRequests(t *testing.T) {
	root := resource.New()
	root.PutChild("x", page("x"))
	ins := inspect.New()
	root.PutChild("_inspect", ins)
	_, srv := serve(t, root, func(s *site.Site) { s.Inspector = ins })
	if res, body := do(t, srv, "GET", "/x", nil); res.StatusCode != 200 || body != "x" {
		t.Fatalf("GET /x: %d %q", res.StatusCode, body)
	}
	res, body := do(t, srv, "GET", "/_inspect/requests", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "/x") {
		t.Errorf("GET /_inspect/requests: %d, /x not listed:\n%s", res.StatusCode, body)
	}
}

// TestAccessLogWaitsForHijackedEnd: a Request whose connection was
// hijacked (a WebSocket, say) is logged when its new owner ends it, not
// when ServeHTTP returns.
func TestAccessLogWaitsForHijackedEnd(t *testing.T) {
	reqs := make(chan *request.Request, 1)
	root := resource.New()
	root.PutChild("hijack", testutil.Func(func(r *request.Request) ([]byte, error) {
		c, _, err := http.NewResponseController(r.ResponseWriter()).Hijack()
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { c.Close() })
		reqs <- r
		return nil, resource.NotDoneYet
	}))
	log := make(lines, 4)
	s := site.New(root)
	s.AccessLog = log
	srv, returned := testutil.StartSignalling(t, s)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	r := testutil.Receive(t, reqs, 10*time.Second, "the hijacking render")
	// ServeHTTP logs as it returns, if it logs at all.
	testutil.Receive(t, returned, 10*time.Second, "ServeHTTP's return while the hijacked Request is pending")
	select {
	case line := <-log:
		t.Fatalf("logged before the Request ended: %s", line)
	default:
	}
	r.Finish()
	if line := log.next(t); !strings.Contains(line, `"GET /hijack HTTP/1.1"`) {
		t.Errorf("access-log line %q", line)
	}
}
