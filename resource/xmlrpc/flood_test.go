package xmlrpc_test

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource/xmlrpc"
)

// floodSize is about the Site's default MaxRequestBodySize, 10 MiB: the
// largest body a client can make the Resource decode.
const floodSize = 10<<20 - 4096

// flood returns a call of method whose single parameter is an array of
// unit repeated to fill about floodSize bytes.
func flood(method, unit string) string {
	head := "<methodCall><methodName>" + method + "</methodName><params><param><value><array><data>"
	tail := "</data></array></value></param></params></methodCall>"
	return head + strings.Repeat(unit, (floodSize-len(head)-len(tail))/len(unit)) + tail
}

// floodTag returns a call whose element tag carries about floodSize bytes
// of attr.
func floodTag(attr string) string {
	tail := "><methodName>echo</methodName><params><param><value>x</value></param></params></methodCall>"
	return "<methodCall" + strings.Repeat(attr, (floodSize-len(tail))/len(attr)) + tail
}

// floodBetween returns a call with about floodSize bytes of markup that is
// not an element (comments, processing instructions, ...) inside it.
func floodBetween(unit string) string {
	head := "<methodCall><methodName>echo</methodName><params><param><value><string>"
	tail := "</string></value></param></params></methodCall>"
	return head + strings.Repeat(unit, (floodSize-len(head)-len(tail))/len(unit)) + tail
}

// floodValue returns a call of echo whose single parameter is one typed
// value of about floodSize bytes of unit.
func floodValue(typ, unit string) string {
	head := "<methodCall><methodName>echo</methodName><params><param><value><" + typ + ">"
	tail := "</" + typ + "></value></param></params></methodCall>"
	return head + strings.Repeat(unit, (floodSize-len(head)-len(tail))/len(unit)) + tail
}

// floodLatin1 returns a call declared ISO-8859-1 whose comment holds about
// floodSize bytes of 0xE9, each of which becomes two bytes of UTF-8.
func floodLatin1() string {
	head := `<?xml version="1.0" encoding="latin1"?><methodCall><methodName>nosuch</methodName><!--`
	tail := "--></methodCall>"
	return head + strings.Repeat("\xe9", floodSize-len(head)-len(tail)) + tail
}

// TestFloodAllocationBound posts calls of about 10 MiB built to make the
// decoder allocate per byte of body to a real Site, and asserts the
// framework's bound for bodies: at most 4 times the body plus 1 MiB
// allocated in the whole process while it is answered.
func TestFloodAllocationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("posts 10 MiB bodies")
	}
	srv, _ := serve(t, rpc2(newExample()))
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty values, unknown method", flood("nosuch", "<value/>"), "<int>8001</int>"},
		{"empty values, echo", flood("echo", "<value/>"), "<int>8002</int>"},
		{"empty structs", flood("echo", "<value><struct></struct></value>"), "<int>8002</int>"},
		{"struct members", flood("echo", "<value><struct><member><name>a</name><value/></member></struct></value>"), "<int>8002</int>"},
		{"attributes", floodTag(" a=''"), "</methodResponse>"},
		{"namespace attributes", floodTag(" xmlns:a=''"), "</methodResponse>"},
		{"comments", floodBetween("<!---->"), "</methodResponse>"},
		{"processing instructions", floodBetween("<?a?>"), "</methodResponse>"},
		{"CDATA sections", floodBetween("<![CDATA[]]>"), "</methodResponse>"},
		{"directives", floodBetween("<!a>"), "</methodResponse>"},
		{"Latin-1 comment", floodLatin1(), "<int>8001</int>"},
		{"large int", floodValue("int", "é"), "<int>8002</int>"},
		{"large boolean", floodValue("boolean", "1"), "<int>8002</int>"},
		{"large double", floodValue("double", "1"), "<int>8002</int>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			// The answer's buffer is the client's, not the server's: it
			// is made before the measurement.
			var answer bytes.Buffer
			answer.Grow(len(body) + 64<<10)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp, err := srv.Client().Post(srv.URL+"/RPC2", "text/xml", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			_, err = answer.ReadFrom(resp.Body)
			resp.Body.Close()
			runtime.ReadMemStats(&after)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			if !strings.Contains(answer.String(), tc.want) {
				t.Errorf("answer %.300s, want %q in it", answer.String(), tc.want)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			bound := 4*uint64(len(body)) + 1<<20
			t.Logf("body %d B, allocated %d B (%.2fx the body), %d allocations: %.200s",
				len(body), alloc, float64(alloc)/float64(len(body)), after.Mallocs-before.Mallocs, answer.String())
			if alloc > bound {
				t.Errorf("allocated %d B for a body of %d B; the bound is %d", alloc, len(body), bound)
			}
		})
	}
}

// TestMaxValues checks which values count toward Resource.MaxValues and
// the fault the first one beyond it gets.
func TestMaxValues(t *testing.T) {
	values := func(n int) string { return strings.Repeat("<value>1</value>", n) }
	array := func(n int) string {
		return "<param><value><array><data>" + values(n) + "</data></array></value></param>"
	}
	members := func(n int) string {
		return "<param><value><struct>" + strings.Repeat("<member><name>a</name><value>1</value></member>", n) + "</struct></value></param>"
	}
	body := func(method, params string) string {
		return "<methodCall><methodName>" + method + "</methodName><params>" + params + "</params></methodCall>"
	}
	for _, tc := range []struct {
		name      string
		maxValues int
		body      string
		want      string
	}{
		{"params at the limit", 3, body("echoAll", strings.Repeat("<param><value>1</value></param>", 3)), "<string>1</string>"},
		{"params beyond", 3, body("echoAll", strings.Repeat("<param><value>1</value></param>", 4)), "more than 3 values"},
		{"array at the limit", 3, body("echo", array(2)), "<string>1</string>"},
		{"array beyond", 3, body("echo", array(3)), "more than 3 values"},
		{"struct members beyond", 3, body("echo", members(3)), "more than 3 values"},
		{"nested beyond", 3, body("echo", "<param><value><array><data><value><struct><member><name>a</name>"+
			"<value><array><data>"+values(2)+"</data></array></value></member></struct></value></data></array></value></param>"), "more than 3 values"},
		{"default", 0, body("echo", array(xmlrpc.DefaultMaxValues)), "more than 20000 values"},
		{"no limit", -1, body("echo", array(xmlrpc.DefaultMaxValues)), "<string>1</string>"},
		{"unknown method, not read", 1, body("nosuch", array(5)+"<bad/>"), "procedure nosuch not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, rpc2(newExample(func(x *xmlrpc.Resource) { x.MaxValues = tc.maxValues })))
			resp, answer := post(t, srv, "POST", "text/xml", strings.NewReader(tc.body))
			if resp.StatusCode != http.StatusOK || !strings.Contains(answer, tc.want) {
				t.Fatalf("status %d, answer %.400s; want 200 and %q", resp.StatusCode, answer, tc.want)
			}
			if strings.Contains(tc.want, "more than") && !strings.Contains(answer, "<int>8002</int>") {
				t.Errorf("answer %.400s, want fault 8002", answer)
			}
		})
	}
}
