package xmlrpc_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/site"
)

// TestGoCalls calls every type through echo and the typed procedure with
// the Go test client over HTTP.
func TestGoCalls(t *testing.T) {
	srv, _ := serve(t, rpc2(newExample(func(x *xmlrpc.Resource) { x.AllowNone = true })))
	when := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		method string
		args   []any
		want   any
	}{
		{"int", "echo", []any{42}, 42},
		{"negative int", "echo", []any{-7}, -7},
		{"boolean", "echo", []any{true}, true},
		{"string", "echo", []any{"a <b> & \"c\"\r\n\t"}, "a <b> & \"c\"\r\n\t"},
		{"empty string", "echo", []any{""}, ""},
		{"unicode", "echo", []any{"héllo, 世界"}, "héllo, 世界"},
		{"double", "echo", []any{3.25}, 3.25},
		{"dateTime", "echo", []any{when}, xmlrpc.DateTime("20240229T13:14:15")},
		{"base64", "echo", []any{[]byte{0, 1, 2, 255}}, []byte{0, 1, 2, 255}},
		{"empty base64", "echo", []any{[]byte{}}, []byte{}},
		{"struct", "echo", []any{map[string]any{"a": 1, "b": "two"}}, map[string]any{"a": 1, "b": "two"}},
		{"Go struct", "echo", []any{Point{X: 1, Y: 2}}, map[string]any{"X": 1, "Y": 2}},
		{"array", "echo", []any{[]any{1, "two", 3.5}}, []any{1, "two", 3.5}},
		{"empty array", "echo", []any{[]any{}}, []any{}},
		{"nil", "echo", []any{nil}, nil},
		{"add", "add", []any{1, 2}, 3},
		{"variadic", "echoAll", []any{"lala", 4, []any{1, 2}}, []any{"lala", 4, []any{1, 2}}},
		{"variadic none", "echoAll", nil, []any{}},
		{"nothing, allowed", "nothing", nil, nil},
		{"sub-handler", "date.time", nil, 1700000000.5},
		{"nested sub-handlers", "a.b.three", nil, 3},
		{"typed", "typed", []any{
			-5, 7, true, "s", 1.5, when, []byte("hi"),
			map[string]any{"x": 3, "Y": 4, "label": "p", "extra": "ignored"},
			[]any{1, 2}, map[string]any{"pi": 3.14, "one": 1}, 9,
		}, map[string]any{
			"i": -5, "u": 7, "b": true, "s": "s", "f": 1.5, "t": xmlrpc.DateTime("20240229T13:14:15"),
			"data": []byte("hi"), "p": map[string]any{"X": 3, "Y": 4, "label": "p"},
			"l": []any{1, 2}, "m": map[string]any{"pi": 3.14, "one": 1.0}, "ptr": 9,
		}},
		{"typed nil pointer", "typed", []any{
			0, 0, false, "", 0, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{}, []any{}, map[string]any{}, nil,
		}, map[string]any{
			"i": 0, "u": 0, "b": false, "s": "", "f": 0.0, "t": xmlrpc.DateTime("20240229T13:14:15"),
			"data": []byte{}, "p": map[string]any{"X": 0, "Y": 0}, "l": []any{}, "m": map[string]any{}, "ptr": nil,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(t, srv, tc.method, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s%v = %#v, want %#v", tc.method, tc.args, got, tc.want)
			}
		})
	}
}

// TestUseDateTime: with UseDateTime an any parameter gets a time.Time.
func TestUseDateTime(t *testing.T) {
	x := xmlrpc.New(nil)
	x.UseDateTime = true
	x.Register("kind", func(v any) string { return reflect.TypeOf(v).String() })
	srv, _ := serve(t, rpc2(x))
	got, err := call(t, srv, "kind", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil || got != "time.Time" {
		t.Errorf("kind(dateTime) = %v, %v; want time.Time", got, err)
	}
	_, err = call(t, srv, "kind", xmlrpc.DateTime("not a date"))
	if f := faultOf(t, err); f.Code != xmlrpc.Failure || !strings.HasPrefix(f.String, "Can't deserialize input: bad dateTime.iso8601 value") {
		t.Errorf("bad date: %v", f)
	}
}

// TestFaults checks the faults and Twisted's strings for each failure.
func TestFaults(t *testing.T) {
	srv, logs := serve(t, rpc2(newExample()))
	for _, tc := range []struct {
		name   string
		method string
		args   []any
		code   int
		str    string
		logged string
	}{
		{"missing procedure", "nope", nil, 8001, "procedure nope not found", ""},
		{"missing sub-handler", "nope.echo", nil, 8001, "no such subHandler nope", ""},
		{"missing in sub-handler", "date.nope", nil, 8001, "procedure nope not found", ""},
		{"fault returned", "fault", nil, 123, "The fault procedure is faulty.", ""},
		{"fault wrapped", "wrapped", nil, 7, "Out of cheese.", ""},
		{"fault as a value", "faultValue", nil, 9, "as a value", ""},
		{"plain error", "fail", nil, 8002, "error", "secret detail"},
		{"nil *Fault as the error", "nilFault", nil, 8002, "error", ""},
		{"panic", "panic", nil, 8002, "error", "boom"},
		{"too few arguments", "add", []any{1}, 8002, "add takes 2 arguments, got 1", ""},
		{"too many arguments", "add", []any{1, 2, 3}, 8002, "add takes 2 arguments, got 3", ""},
		{"wrong type", "add", []any{1, "two"}, 8002, "add: argument 2: want int, got string", ""},
		{"nil to int", "add", []any{nil, 1}, 8002, "add: argument 1: want int, got nil", ""},
		{"deep mismatch", "typed", []any{
			0, 0, false, "", 0, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{}, []any{1, "x"}, map[string]any{}, nil,
		}, 8002, "typed: argument 9[1]: want int, got string", ""},
		{"out of range", "typed", []any{
			300, 0, false, "", 0, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{}, []any{}, map[string]any{}, nil,
		}, 8002, "typed: argument 1: 300 is out of range for int8", ""},
		{"double out of range for float32", "typed", []any{
			0, 0, false, "", 1e300, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{}, []any{}, map[string]any{}, nil,
		}, 8002, "typed: argument 5: 1e+300 is out of range for float32", ""},
		{"negative to uint", "typed", []any{
			0, -1, false, "", 0, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{}, []any{}, map[string]any{}, nil,
		}, 8002, "typed: argument 2: -1 is out of range for uint", ""},
		{"bad date", "typed", []any{
			0, 0, false, "", 0, xmlrpc.DateTime("yesterday"), []byte{}, map[string]any{}, []any{}, map[string]any{}, nil,
		}, 8002, `typed: argument 6: bad dateTime.iso8601 value "yesterday"`, ""},
		{"struct member mismatch", "typed", []any{
			0, 0, false, "", 0, xmlrpc.DateTime("20240229T13:14:15"), []byte{}, map[string]any{"X": "one"}, []any{}, map[string]any{}, nil,
		}, 8002, "typed: argument 8.X: want int, got string", ""},
		{"None without allowNone", "nothing", nil, 8002, "Can't serialize output: cannot marshal None unless allow_none is enabled", ""},
		{"nil pointer without allowNone", "nilPointer", nil, 8002, "Can't serialize output: cannot marshal None unless allow_none is enabled", ""},
		{"int beyond 32 bits", "big", nil, 8002, "Can't serialize output: int exceeds XML-RPC limits", ""},
		{"unencodable result", "chan", nil, 8002, "Can't serialize output: cannot marshal chan int objects", ""},
		{"introspection of a missing method", "system.methodHelp", []any{"nope"}, 8001, "procedure nope not found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(t, srv, tc.method, tc.args...)
			f := faultOf(t, err)
			if f.Code != tc.code || f.String != tc.str {
				t.Errorf("fault %d %q, want %d %q", f.Code, f.String, tc.code, tc.str)
			}
			if tc.logged != "" && !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("log lacks %q:\n%s", tc.logged, logs)
			}
		})
	}
}

// TestBadInput sends what a broken or hostile client sends: a fault or a
// 4xx, never a crash.
func TestBadInput(t *testing.T) {
	srv, _ := serve(t, rpc2(newExample()), func(s *site.Site) { s.MaxRequestBodySize = 64 << 10 })
	call := func(params string) string {
		return "<?xml version='1.0'?><methodCall><methodName>echo</methodName><params><param>" +
			params + "</param></params></methodCall>"
	}
	for _, tc := range []struct {
		name, body, contentType string
		fault                   string // prefix of the fault string; "" for a result
	}{
		{"empty body", "", "text/xml", "Can't deserialize input: no element found"},
		{"not XML", "hello", "text/xml", "Can't deserialize input: "},
		{"JSON", `{"method":"echo"}`, "application/json", "Can't deserialize input: "},
		{"unclosed", "<methodCall><methodName>echo</methodName>", "text/xml", "Can't deserialize input: XML syntax error"},
		{"mismatched tags", "<methodCall><methodName>echo</methodCall></methodName>", "text/xml", "Can't deserialize input: XML syntax error"},
		{"wrong root", "<methodResponse/>", "text/xml", "Can't deserialize input: document is not a methodCall"},
		{"no methodName", "<methodCall><params/></methodCall>", "text/xml", "Can't deserialize input: no methodName"},
		{"junk after", call("<value>x</value>") + "<more/>", "text/xml", "Can't deserialize input: junk after document element"},
		{"unknown type", call("<value><bigint>1</bigint></value>"), "text/xml", "Can't deserialize input: unknown type <bigint>"},
		{"bad int", call("<value><int>one</int></value>"), "text/xml", `Can't deserialize input: bad int value "one"`},
		{"int beyond 64 bits", call("<value><i8>99999999999999999999</i8></value>"), "text/xml", "Can't deserialize input: bad i8 value"},
		{"bad boolean", call("<value><boolean>yes</boolean></value>"), "text/xml", `Can't deserialize input: bad boolean value "yes"`},
		{"bad double", call("<value><double>x</double></value>"), "text/xml", `Can't deserialize input: bad double value "x"`},
		{"bad base64", call("<value><base64>!!!</base64></value>"), "text/xml", "Can't deserialize input: bad base64 value"},
		{"undefined entity", call("<value>&foo;</value>"), "text/xml", "Can't deserialize input: XML syntax error"},
		{"entity bomb", `<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + call("<value>&b;</value>"), "text/xml", "Can't deserialize input: XML syntax error"},
		{"element in string", call("<value><string>a<b/>c</string></value>"), "text/xml", "Can't deserialize input: unexpected <b> in <string>"},
		{"member without value", call("<value><struct><member><name>a</name></member></struct></value>"), "text/xml", "Can't deserialize input: struct member without a name or a value"},
		{"unsupported encoding", `<?xml version="1.0" encoding="EBCDIC"?>` + call("<value>x</value>"), "text/xml", "Can't deserialize input: "},
		{"depth 101", call(nested(101)), "text/xml", "Can't deserialize input: values nested deeper than 100"},
		{"depth 100", call(nested(100)), "text/xml", ""},
		{"no content type", call("<value>x</value>"), "", ""},
		{"form content type", call("<value>x</value>"), "application/x-www-form-urlencoded", ""},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + call("<value>caf\xe9</value>"), "text/xml", ""},
		{"UTF-8 byte order mark", "\xef\xbb\xbf" + call("<value>x</value>"), "text/xml", ""},
		{"byte order mark, no declaration", "\xef\xbb\xbf" + call("<value>x</value>")[len("<?xml version='1.0'?>"):], "text/xml", ""},
		{"byte order mark twice", "\xef\xbb\xbf\xef\xbb\xbf" + call("<value>x</value>"), "text/xml", "Can't deserialize input: "},
		{"comments and CDATA", call("<value><!-- c --><string>a<![CDATA[<b>]]>c</string></value>"), "text/xml", ""},
		{"array without data", call("<value><array><value>1</value></array></value>"), "text/xml", ""},
		{"ex:nil", call(`<value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value>`), "text/xml", "Can't serialize output: cannot marshal None"},
		{"attributes skipped", `<methodCall xmlns:ex="urn:x" a = '1' b="&gt;>/"><methodName id='m'>echo</methodName><params><param><value t=""><string x="y">a</string></value></param></params></methodCall >`, "text/xml", ""},
		{"malformed attribute", `<methodCall a><methodName>echo</methodName></methodCall>`, "text/xml", "Can't deserialize input: malformed attribute"},
		{"attribute value with <", `<methodCall a='<'><methodName>echo</methodName></methodCall>`, "text/xml", "Can't deserialize input: malformed attribute"},
		{"processing instructions skipped", call("<value><?pi x?><string>a<?pi?>b</string></value>"), "text/xml", ""},
		{"unterminated processing instruction", call("<value><?pi</value>"), "text/xml", "Can't deserialize input: unterminated processing instruction"},
		{"-- in a comment", call("<value><!-- a -- b --></value>"), "text/xml", "Can't deserialize input: unterminated comment"},
		{"a DOCTYPE", `<?xml version='1.0'?><!DOCTYPE methodCall>` + call("<value>x</value>")[len("<?xml version='1.0'?>"):], "text/xml", ""},
		{"two DOCTYPEs", `<!DOCTYPE a><!DOCTYPE b>` + call("<value>x</value>")[len("<?xml version='1.0'?>"):], "text/xml", "Can't deserialize input: a second DOCTYPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, srv, "POST", tc.contentType, strings.NewReader(tc.body))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml; charset=utf-8" {
				t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			_, err := xmlrpc.DecodeResponse([]byte(body))
			if tc.fault == "" {
				if err != nil {
					t.Fatalf("got %v, want a result", err)
				}
				return
			}
			if f := faultOf(t, err); f.Code != xmlrpc.Failure || !strings.HasPrefix(f.String, tc.fault) {
				t.Errorf("fault %d %q, want %d %q...", f.Code, f.String, xmlrpc.Failure, tc.fault)
			}
		})
	}
}

// TestHTTPStatus: what is not a call gets the framework's pages.
func TestHTTPStatus(t *testing.T) {
	srv, _ := serve(t, rpc2(newExample()), func(s *site.Site) { s.MaxRequestBodySize = 1 << 10 })
	for _, tc := range []struct {
		method string
		body   string
		status int
		allow  string
	}{
		{"GET", "", 405, "POST, OPTIONS"},
		{"PUT", "x", 405, "POST, OPTIONS"},
		{"HEAD", "", 405, "POST, OPTIONS"},
		{"POST", strings.Repeat("x", 2<<10), 413, ""},
	} {
		resp, _ := post(t, srv, tc.method, "text/xml", strings.NewReader(tc.body))
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s: %d Allow %q, want %d %q", tc.method, resp.StatusCode, resp.Header.Get("Allow"), tc.status, tc.allow)
		}
	}
}

// TestRequestAndContext: a procedure gets the request or its context when
// its first parameter asks.
func TestRequestAndContext(t *testing.T) {
	w := &waiter{started: make(chan struct{}, 1), release: make(chan struct{}), gone: make(chan error, 1)}
	x := newExample()
	x.PutSubHandler("w", xmlrpc.New(w))
	srv, _ := serve(t, rpc2(x))

	body, _ := xmlrpc.EncodeCall("header", "X-Test")
	req, _ := http.NewRequest("POST", srv.URL+"/RPC2", strings.NewReader(string(body)))
	req.Header.Set("X-Test", "from the request")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4096)
	n, _ := resp.Body.Read(b)
	resp.Body.Close()
	if got, err := xmlrpc.DecodeResponse(b[:n]); got != "from the request" {
		t.Errorf("header = %v, %v", got, err)
	}

	// A blocking procedure answers when it is ready...
	go func() { <-w.started; close(w.release) }()
	if got, err := call(t, srv, "w.wait"); got != "released" {
		t.Errorf("w.wait = %v, %v", got, err)
	}

	// ...and sees its context end when the client leaves.
	w.release = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		body, _ := xmlrpc.EncodeCall("w.wait")
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/RPC2", strings.NewReader(string(body)))
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-w.started
	cancel()
	if err := <-w.gone; !errors.Is(err, context.Canceled) {
		t.Errorf("the procedure's context ended with %v", err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}
}

// TestIntrospection checks the three system procedures.
func TestIntrospection(t *testing.T) {
	srv, _ := serve(t, rpc2(newExample()))
	got, err := call(t, srv, "system.listMethods")
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"add", "big", "chan", "echo", "echoAll", "fail", "fault", "faultValue", "header",
		"hello", "nilFault", "nilPointer", "nothing", "panic", "typed", "wrapped",
		"date.time",
		"system.listMethods", "system.methodHelp", "system.methodSignature",
		"a.b.three"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listMethods = %v\nwant %v", got, want)
	}
	for _, tc := range []struct {
		method, name string
		want         any
	}{
		{"system.methodHelp", "add", "Add the arguments and return the sum."},
		{"system.methodHelp", "hello", ""},
		{"system.methodHelp", "system.listMethods", "Return a list of the method names implemented by this server."},
		{"system.methodSignature", "echo", []any{[]any{"string", "string"}, []any{"int", "int"}}},
		{"system.methodSignature", "add", []any{[]any{"int", "int", "int"}}},
		{"system.methodSignature", "date.time", []any{[]any{"double"}}},
		{"system.methodSignature", "typed", []any{[]any{"struct", "int", "int", "boolean", "string", "double", "dateTime.iso8601", "base64", "struct", "array", "struct", "int"}}},
		{"system.methodSignature", "echoAll", ""},
		{"system.methodSignature", "fault", ""},
		{"system.methodSignature", "header", []any{[]any{"string", "string"}}},
		{"system.methodSignature", "system.methodSignature", []any{[]any{"array", "string"}, []any{"string", "string"}}},
	} {
		got, err := call(t, srv, tc.method, tc.name)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s(%q) = %#v, %v; want %#v", tc.method, tc.name, got, err, tc.want)
		}
	}
}

// TestRegisterWhileServing registers and calls at once, for the race
// detector.
func TestRegisterWhileServing(t *testing.T) {
	x := xmlrpc.New(nil)
	x.Register("n", func() int { return 0 })
	srv, _ := serve(t, rpc2(x))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			x.Register("n", func() int { return i })
			x.PutSubHandler("s", xmlrpc.New(nil))
		}
	}()
	for range 50 {
		if _, err := call(t, srv, "n"); err != nil {
			t.Fatal(err)
		}
	}
	<-done
}

// TestRegisterPanics: functions that cannot be published are refused when
// registered.
func TestRegisterPanics(t *testing.T) {
	for _, tc := range []struct {
		name, proc string
		fn         any
	}{
		{"not a function", "x", 42},
		{"nil", "x", nil},
		{"nil function", "x", (func())(nil)},
		{"empty name", "", func() {}},
		{"dotted name", "a.b", func() {}},
		{"channel parameter", "x", func(chan int) {}},
		{"three results", "x", func() (int, int, error) { return 0, 0, nil }},
		{"two results, no error", "x", func() (int, int) { return 0, 0 }},
		{"map with int keys", "x", func(map[int]string) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if v := recover(); v == nil || !strings.HasPrefix(v.(string), "xmlrpc: ") {
					t.Errorf("recovered %v, want an xmlrpc: panic", v)
				}
			}()
			xmlrpc.New(nil).Register(tc.proc, tc.fn)
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("PutSubHandler with a nil handler did not panic")
		}
	}()
	xmlrpc.New(nil).PutSubHandler("x", nil)
}

// TestDoubleBeyondRange: a double too large for float64 is read as an
// infinity, one too small as zero, as Python's float() reads them, rather
// than refused.
func TestDoubleBeyondRange(t *testing.T) {
	srv, _ := serve(t, rpc2(newExample()))
	for _, tc := range []struct {
		text string
		want float64
	}{
		{"1e400", math.Inf(1)},
		{"-1e400", math.Inf(-1)},
		{"1e-400", 0},
		{"1.7976931348623157e308", math.MaxFloat64},
	} {
		body := "<methodCall><methodName>echo</methodName><params><param><value><double>" +
			tc.text + "</double></value></param></params></methodCall>"
		_, resp := post(t, srv, "POST", "text/xml", strings.NewReader(body))
		got, err := xmlrpc.DecodeResponse([]byte(resp))
		if err != nil || got != tc.want {
			t.Errorf("echo(%s) = %v, %v; want %v", tc.text, got, err, tc.want)
		}
	}
}
