package xmlrpc_test

import (
	"bytes"
	"testing"

	"github.com/gotwisted/web/resource/xmlrpc"
)

// FuzzDecode feeds the call decoder arbitrary bodies: it must return a call
// or an error, never panic, and a call it returns must survive being
// encoded and decoded again unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("<?xml version='1.0'?><methodCall><methodName>echo</methodName><params><param><value><int>1</int></value></param></params></methodCall>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, useDateTime := range []bool{false, true} {
			method, params, err := xmlrpc.DecodeCall(body, useDateTime, 0, 0)
			if err != nil {
				continue
			}
			once, err := xmlrpc.EncodeCall(method, params...)
			if err != nil {
				continue // an int beyond 32 bits, which results may not hold
			}
			method2, params2, err := xmlrpc.DecodeCall(once, useDateTime, 0, 0)
			if err != nil || method2 != method {
				t.Fatalf("%q re-encoded as %q: %q, %v", body, once, method2, err)
			}
			twice, err := xmlrpc.EncodeCall(method2, params2...)
			if err != nil || !bytes.Equal(once, twice) {
				t.Fatalf("%q: encoded as %q, then as %q (%v)", body, once, twice, err)
			}
		}
	})
}

// FuzzSource feeds the filter in front of the tokenizer arbitrary bodies:
// it must end, never pass on more than it was given, and leave nothing to
// take out of what it passed on (a second pass changes nothing).
func FuzzSource(f *testing.F) {
	f.Add([]byte(`<?xml version='1.0'?><!DOCTYPE x><methodCall a='1' b = "2"><!-- c --><?pi x?><x><![CDATA[<y z='1'><!-- -->]]></x></methodCall >`))
	f.Fuzz(func(t *testing.T, body []byte) {
		once, err := xmlrpc.ReadSource(body)
		if len(once) > len(body) {
			t.Fatalf("%q: passed on %q, longer", body, once)
		}
		if err != nil {
			return
		}
		twice, err := xmlrpc.ReadSource(once)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("%q: passed on %q, then %q (%v)", body, once, twice, err)
		}
	})
}
