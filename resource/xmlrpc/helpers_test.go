package xmlrpc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/site"
)

// Point is a struct parameter and result.
type Point struct {
	X, Y  int
	Label string `xmlrpc:"label,omitempty"`
}

// Example is the server the HTTP tests call: Twisted's howto Example and
// Echoer, plus a procedure per feature under test.
type Example struct{}

func (Example) XMLRPCEcho(x any) any   { return x }
func (Example) XMLRPCAdd(a, b int) int { return a + b }
func (Example) XMLRPCHello() string    { return "hello, world!" }
func (Example) XMLRPCEchoAll(args ...any) []any {
	return args
}
func (Example) XMLRPCFault() error {
	return &xmlrpc.Fault{Code: 123, String: "The fault procedure is faulty."}
}
func (Example) XMLRPCFail() (any, error) { return nil, errors.New("secret detail") }
func (Example) XMLRPCPanic() int         { panic("boom") }
func (Example) XMLRPCNothing()           {}
func (Example) XMLRPCNilPointer() *Point { return nil }
func (Example) XMLRPCBig() int64         { return 1 << 40 }
func (Example) XMLRPCChan() any          { return make(chan int) }
func (Example) XMLRPCWrapped() error {
	return errors.Join(errors.New("context"), &xmlrpc.Fault{Code: 7, String: "Out of cheese."})
}
func (Example) XMLRPCFaultValue() any { return xmlrpc.Fault{Code: 9, String: "as a value"} }
func (Example) XMLRPCNilFault() error { return (*xmlrpc.Fault)(nil) }

// XMLRPCTyped converts every kind of argument and answers with them.
func (Example) XMLRPCTyped(i int8, u uint, b bool, s string, f float32, t time.Time, data []byte, p Point, l []int, m map[string]float64, ptr *int) map[string]any {
	return map[string]any{"i": i, "u": u, "b": b, "s": s, "f": f, "t": t, "data": data, "p": p, "l": l, "m": m, "ptr": ptr}
}

// XMLRPCHeader reads a request header (Twisted's withRequest).
func (Example) XMLRPCHeader(r *request.Request, name string) string { return r.Header(name) }

// XMLRPCWait blocks until release is closed or the client leaves.
func (e *waiter) XMLRPCWait(ctx context.Context) (string, error) {
	e.started <- struct{}{}
	select {
	case <-e.release:
		return "released", nil
	case <-ctx.Done():
		e.gone <- ctx.Err()
		return "", ctx.Err()
	}
}

type waiter struct {
	started chan struct{}
	release chan struct{}
	gone    chan error
}

// Date is a sub-handler, as in Twisted's howto.
type Date struct{}

func (Date) XMLRPCTime() float64 { return 1700000000.5 }

// newExample returns the Example resource with its sub-handlers and
// introspection, configured by configure.
func newExample(configure ...func(*xmlrpc.Resource)) *xmlrpc.Resource {
	x := xmlrpc.New(Example{})
	for _, f := range configure {
		f(x)
	}
	x.PutSubHandler("date", xmlrpc.New(Date{}))
	deep := xmlrpc.New(nil)
	deep.Register("three", func() int { return 3 })
	mid := xmlrpc.New(nil)
	mid.PutSubHandler("b", deep)
	x.PutSubHandler("a", mid)
	p, _ := x.LookupProcedure("add")
	p.Help = "Add the arguments and return the sum."
	p, _ = x.LookupProcedure("echo")
	p.Help = "Return all passed args."
	p.Signature = [][]string{{"string", "string"}, {"int", "int"}}
	xmlrpc.AddIntrospection(x)
	return x
}

// rpc2 returns a root with x at /RPC2.
func rpc2(x resource.Resource) resource.Resource {
	root := resource.New()
	root.PutChild("RPC2", x)
	return root
}

// serve serves root on a real HTTP server and returns the server and the
// Site's log; configure may set the Site's fields.
func serve(t testing.TB, root resource.Resource, configure ...func(*site.Site)) (*httptest.Server, *testutil.SyncBuffer) {
	t.Helper()
	logs := new(testutil.SyncBuffer)
	_, srv := testutil.Serve(t, root, append([]func(*site.Site){testutil.LogTo(logs)}, configure...)...)
	return srv, logs
}

// post sends body to the server's /RPC2 and returns the response with its
// body read.
func post(t *testing.T, srv *httptest.Server, method, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req := testutil.NewRequest(t, method, srv.URL+"/RPC2", body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return testutil.Send(t, srv.Client(), req)
}

// faultOf returns the fault err is, failing the test if it is not one.
func faultOf(t *testing.T, err error) *xmlrpc.Fault {
	t.Helper()
	var f *xmlrpc.Fault
	if !errors.As(err, &f) {
		t.Fatalf("want a fault, got %v", err)
	}
	return f
}

// call makes one call with the Go test client.
func call(t *testing.T, srv *httptest.Server, method string, args ...any) (any, error) {
	t.Helper()
	return xmlrpc.Call(srv.Client(), srv.URL+"/RPC2", method, args...)
}

// nested returns a value with depth arrays around a string.
func nested(depth int) string {
	return strings.Repeat("<value><array><data>", depth) + "<value>x</value>" +
		strings.Repeat("</data></array></value>", depth)
}
