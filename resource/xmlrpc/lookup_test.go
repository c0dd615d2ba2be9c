package xmlrpc_test

import (
	"runtime"
	"strings"
	"testing"
)

// A sub-handler may be its own ancestor (listMethods lists such a tree
// once). A call whose name goes round the loop is answered, and the lookup
// does not grow the stack with the name: it did, and a 10 MB call of
// "s.s.s..." overflowed the stack, which ends the process.
func TestLookupThroughLoop(t *testing.T) {
	x := newExample()
	x.PutSubHandler("s", x)
	srv, _ := serve(t, rpc2(x))
	for _, tt := range []struct{ method, want string }{
		{"s.s.s.hello", "<string>hello, world!</string>"},
		{"s.s.nope.hello", "no such subHandler nope"},
	} {
		body := "<?xml version='1.0'?><methodCall><methodName>" + tt.method + "</methodName><params></params></methodCall>"
		resp, got := post(t, srv, "POST", "text/xml", strings.NewReader(body))
		if resp.StatusCode != 200 || !strings.Contains(got, tt.want) {
			t.Errorf("%s: %d %q, want %q", tt.method, resp.StatusCode, got, tt.want)
		}
	}

	long := strings.Repeat("s.", 200_000) + "add"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := x.LookupProcedure(long)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Errorf("LookupProcedure: %v", err)
	}
	if grown := int64(after.StackInuse) - int64(before.StackInuse); grown > 1<<20 {
		t.Errorf("the stack grew by %d B to look up a name of %d B", grown, len(long))
	}
}
