package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// testXMLRPC calls the xmlrpc example's procedures with hand-written
// calls, as any XML-RPC client sends them.
func testXMLRPC(t *testing.T, bin string) {
	e := start(t, bin, "xmlrpc", "-delay", "10ms")
	call := xmlrpcCall
	header := http.Header{"Content-Type": {"text/xml"}}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{call("hello"), []string{"<value><string>hello, world!</string></value>"}},
		{call("echo", "lala", "<int>4</int>"), []string{"<array><data>", "<string>lala</string>", "<int>4</int>"}},
		{call("add", "<int>1</int>", "<int>2</int>"), []string{"<value><int>3</int></value>"}},
		{call("defer"), []string{"<value><string>hello</string></value>"}},
		{call("fault"), []string{"<int>123</int>", "The fault procedure is faulty."}},
		{call("date.time"), []string{"<double>"}},
		{call("nope"), []string{"<int>8001</int>", "procedure nope not found"}},
		{call("system.methodHelp", "add"), []string{"Add the arguments and return the sum."}},
	} {
		resp, body := e.do(t, nil, http.MethodPost, "/RPC2", header, strings.NewReader(tc.body))
		expect(t, tc.body, resp, body, http.StatusOK, tc.want...)
	}
	resp, body := e.get(t, "/RPC2")
	expect(t, "GET /RPC2", resp, body, http.StatusMethodNotAllowed)
}

// xmlrpcCall returns the body of a call of method with params, each the
// XML of a value, such as "<int>4</int>".
func xmlrpcCall(method string, params ...string) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?><methodCall><methodName>" + method + "</methodName><params>")
	for _, p := range params {
		b.WriteString("<param><value>" + p + "</value></param>")
	}
	b.WriteString("</params></methodCall>")
	return b.String()
}
