package xmlrpc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/site"
)

// Calculator publishes its XMLRPC-prefixed methods.
type Calculator struct{}

// XMLRPCAdd is published as "add".
func (Calculator) XMLRPCAdd(a, b int) int { return a + b }

// XMLRPCDivide is published as "divide"; its Fault reaches the client.
func (Calculator) XMLRPCDivide(a, b float64) (float64, error) {
	if b == 0 {
		return 0, &xmlrpc.Fault{Code: 1, String: "division by zero"}
	}
	return a / b, nil
}

// show sends an XML-RPC call to the Site and prints the response body.
func show(h http.Handler, call string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/RPC2", strings.NewReader(call)))
	fmt.Print(w.Body.String())
}

func ExampleNew() {
	root := resource.New()
	root.PutChild("RPC2", xmlrpc.New(Calculator{}))
	s := site.New(root)
	defer s.Close()

	show(s, `<?xml version="1.0"?>
<methodCall><methodName>add</methodName><params>
<param><value><int>1</int></value></param>
<param><value><int>2</int></value></param>
</params></methodCall>`)
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <params>
	// <param>
	// <value><int>3</int></value>
	// </param>
	// </params>
	// </methodResponse>
}

func ExampleFault() {
	root := resource.New()
	root.PutChild("RPC2", xmlrpc.New(Calculator{}))
	s := site.New(root)
	defer s.Close()

	show(s, `<methodCall><methodName>divide</methodName><params>
<param><value><double>1</double></value></param>
<param><value><double>0</double></value></param>
</params></methodCall>`)
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <fault>
	// <value><struct>
	// <member>
	// <name>faultCode</name>
	// <value><int>1</int></value>
	// </member>
	// <member>
	// <name>faultString</name>
	// <value><string>division by zero</string></value>
	// </member>
	// </struct></value>
	// </fault>
	// </methodResponse>
}

func ExampleResource_Register() {
	x := xmlrpc.New(nil)
	// A procedure whose first parameter is the request (Twisted's withRequest).
	x.Register("userAgent", func(r *request.Request) string { return r.Header("User-Agent") })
	// One that waits, and stops waiting if the client leaves.
	x.Register("later", func(ctx context.Context, s string) (string, error) {
		select {
		case <-time.After(10 * time.Millisecond):
			return "later: " + s, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}).Help = "Answer after 10ms."
	root := resource.New()
	root.PutChild("RPC2", x)
	s := site.New(root)
	defer s.Close()

	show(s, `<methodCall><methodName>later</methodName><params>
<param><value>hi</value></param></params></methodCall>`)
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <params>
	// <param>
	// <value><string>later: hi</string></value>
	// </param>
	// </params>
	// </methodResponse>
}

func ExampleResource_PutSubHandler() {
	x := xmlrpc.New(nil)
	date := xmlrpc.New(nil)
	date.Register("year", func() int { return 2024 })
	x.PutSubHandler("date", date) // "date.year"
	root := resource.New()
	root.PutChild("RPC2", x)
	s := site.New(root)
	defer s.Close()

	show(s, `<methodCall><methodName>date.year</methodName></methodCall>`)
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <params>
	// <param>
	// <value><int>2024</int></value>
	// </param>
	// </params>
	// </methodResponse>
}

func ExampleAddIntrospection() {
	x := xmlrpc.New(Calculator{})
	xmlrpc.AddIntrospection(x)
	root := resource.New()
	root.PutChild("RPC2", x)
	s := site.New(root)
	defer s.Close()

	show(s, `<methodCall><methodName>system.listMethods</methodName></methodCall>`)
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <params>
	// <param>
	// <value><array><data>
	// <value><string>add</string></value>
	// <value><string>divide</string></value>
	// <value><string>system.listMethods</string></value>
	// <value><string>system.methodHelp</string></value>
	// <value><string>system.methodSignature</string></value>
	// </data></array></value>
	// </param>
	// </params>
	// </methodResponse>
}
