"""Twisted's own XML-RPC client, twisted.web.xmlrpc.Proxy, against the Go server.

Usage: python3 twisted_client.py URL URL_ALLOW_NONE

Prints one line per failed check and exits 1 if any failed.
"""
import datetime
import sys

from twisted.internet import defer, task
from twisted.web.xmlrpc import Fault, Proxy

when = datetime.datetime(2024, 2, 29, 13, 14, 15)


@defer.inlineCallbacks
def main(reactor, url, url_none):
    s = Proxy(url.encode(), useDateTime=True)
    n = Proxy(url_none.encode(), allowNone=True, useDateTime=True)
    failures = []
    checks = [0]

    @defer.inlineCallbacks
    def eq(name, d, want):
        checks[0] += 1
        try:
            got = yield d
        except Exception as e:
            failures.append("%s: %r, want %r" % (name, e, want))
            return
        if got != want or type(got) is not type(want):
            failures.append("%s: got %r, want %r" % (name, got, want))

    @defer.inlineCallbacks
    def fault(name, d, code, string):
        checks[0] += 1
        try:
            got = yield d
        except Fault as e:
            if e.faultCode != code or e.faultString != string:
                failures.append("%s: fault %d %r, want %d %r" % (name, e.faultCode, e.faultString, code, string))
        except Exception as e:
            failures.append("%s: %r, want a fault" % (name, e))
        else:
            failures.append("%s: got %r, want a fault" % (name, got))

    yield eq("int", s.callRemote("echo", 42), 42)
    yield eq("boolean", s.callRemote("echo", True), True)
    yield eq("string", s.callRemote("echo", "a <b> & c, héllo"), "a <b> & c, héllo")
    yield eq("double", s.callRemote("echo", 3.25), 3.25)
    yield eq("dateTime", s.callRemote("echo", when), when)
    yield eq("struct", s.callRemote("echo", {"a": [1, {"b": 2.5}]}), {"a": [1, {"b": 2.5}]})
    yield eq("array", s.callRemote("echo", [1, "two", [3]]), [1, "two", [3]])
    yield eq("nil", n.callRemote("echo", None), None)
    yield eq("add", s.callRemote("add", 1, 2), 3)
    yield eq("echoAll", s.callRemote("echoAll", "lala", 4, [1, 2]), ["lala", 4, [1, 2]])
    yield eq("sub-handler", s.callRemote("date.time"), 1700000000.5)
    yield eq("methodHelp", s.callRemote("system.methodHelp", "add"), "Add the arguments and return the sum.")
    yield eq("methodSignature", s.callRemote("system.methodSignature", "add"), [["int", "int", "int"]])
    methods = yield s.callRemote("system.listMethods")
    checks[0] += 1
    if "system.listMethods" not in methods or "date.time" not in methods:
        failures.append("listMethods: %r" % (methods,))
    yield fault("missing", s.callRemote("nope"), 8001, "procedure nope not found")
    yield fault("fault", s.callRemote("fault"), 123, "The fault procedure is faulty.")
    yield fault("error", s.callRemote("fail"), 8002, "error")
    yield fault("none", s.callRemote("nothing"), 8002,
                "Can't serialize output: cannot marshal None unless allow_none is enabled")

    for f in failures:
        print(f)
    print("%d checks, %d failed" % (checks[0], len(failures)))
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
