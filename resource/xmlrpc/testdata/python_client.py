"""Python's standard XML-RPC client against the Go server.

Usage: python3 python_client.py URL URL_ALLOW_NONE

URL serves the tests' Example resource; URL_ALLOW_NONE the same with
AllowNone set. Prints one line per failed check and exits 1 if any failed.
"""
import datetime
import sys
import xmlrpc.client

url, url_none = sys.argv[1], sys.argv[2]
s = xmlrpc.client.ServerProxy(url, use_builtin_types=True)
n = xmlrpc.client.ServerProxy(url_none, allow_none=True, use_builtin_types=True)
failures = []
checks = 0


def eq(name, got, want):
    global checks
    checks += 1
    if got != want or type(got) is not type(want):
        failures.append("%s: got %r, want %r" % (name, got, want))


def fault(name, f, code, string):
    global checks
    checks += 1
    try:
        got = f()
    except xmlrpc.client.Fault as e:
        if e.faultCode != code or e.faultString != string:
            failures.append("%s: fault %d %r, want %d %r" % (name, e.faultCode, e.faultString, code, string))
    except Exception as e:
        failures.append("%s: %r, want a fault" % (name, e))
    else:
        failures.append("%s: got %r, want a fault" % (name, got))


when = datetime.datetime(2024, 2, 29, 13, 14, 15)

# Every type, through echo.
eq("int", s.echo(42), 42)
eq("negative int", s.echo(-2**31), -2**31)
eq("largest int", s.echo(2**31 - 1), 2**31 - 1)
eq("boolean true", s.echo(True), True)
eq("boolean false", s.echo(False), False)
eq("string", s.echo("a <b> & 'c'\n\t"), "a <b> & 'c'\n\t")
# Python sends \r unescaped, so the server's XML parser reads it as \n, as
# any XML parser must (Twisted's too).
eq("string with CR", s.echo("a\r\nb\rc"), "a\nb\nc")
eq("unicode", s.echo("héllo, 世界 🎉"), "héllo, 世界 🎉")
eq("empty string", s.echo(""), "")
eq("double", s.echo(3.25), 3.25)
eq("small double", s.echo(1e-300), 1e-300)
eq("large double", s.echo(1.5e300), 1.5e300)
eq("integral double", s.echo(2.0), 2.0)
eq("negative double", s.echo(-0.1), -0.1)
eq("dateTime", s.echo(when), when)
eq("base64", s.echo(b"\x00\x01\xff binary"), b"\x00\x01\xff binary")
eq("empty base64", s.echo(b""), b"")
eq("long base64", s.echo(bytes(range(256)) * 40), bytes(range(256)) * 40)
eq("struct", s.echo({"a": 1, "b": [True, "x"], "c": {"d": 2.5}}), {"a": 1, "b": [True, "x"], "c": {"d": 2.5}})
eq("empty struct", s.echo({}), {})
eq("array", s.echo([1, "two", 3.5, [4]]), [1, "two", 3.5, [4]])
eq("empty array", s.echo([]), [])
eq("tuple", s.echo((1, 2)), [1, 2])
eq("large array", s.echo(list(range(10000))), list(range(10000)))
eq("nested 50", s.echo(eval("[" * 50 + "]" * 50)), eval("[" * 50 + "]" * 50))
eq("nil", n.echo(None), None)
eq("nil in array", n.echo([None, 1]), [None, 1])
eq("nothing", n.nothing(), None)

# Typed parameters and results.
eq("add", s.add(1, 2), 3)
eq("add negative", s.add(-5, 2), -3)
eq("hello", s.hello(), "hello, world!")
eq("echoAll", s.echoAll("lala", 4, [1, 2]), ["lala", 4, [1, 2]])
eq("echoAll empty", s.echoAll(), [])
eq("typed", s.typed(-5, 7, True, "s", 1.5, when, b"hi", {"x": 3, "Y": 4, "label": "p"}, [1, 2], {"pi": 3.14}, 9),
   {"i": -5, "u": 7, "b": True, "s": "s", "f": 1.5, "t": when, "data": b"hi",
    "p": {"X": 3, "Y": 4, "label": "p"}, "l": [1, 2], "m": {"pi": 3.14}, "ptr": 9})
eq("sub-handler", s.date.time(), 1700000000.5)
eq("nested sub-handlers", s.a.b.three(), 3)

# Faults.
fault("missing", lambda: s.nope(), 8001, "procedure nope not found")
fault("missing sub-handler", lambda: s.nope.echo(1), 8001, "no such subHandler nope")
fault("fault", lambda: s.fault(), 123, "The fault procedure is faulty.")
fault("wrapped fault", lambda: s.wrapped(), 7, "Out of cheese.")
fault("error", lambda: s.fail(), 8002, "error")
fault("panic", lambda: s.panic(), 8002, "error")
fault("arity", lambda: s.add(1), 8002, "add takes 2 arguments, got 1")
fault("type", lambda: s.add(1, "2"), 8002, "add: argument 2: want int, got string")
fault("none without allow_none", lambda: s.nothing(), 8002,
      "Can't serialize output: cannot marshal None unless allow_none is enabled")
fault("nil argument, no allow_none on the server", lambda: n.add(None, 1), 8002, "add: argument 1: want int, got nil")
fault("big int", lambda: s.big(), 8002, "Can't serialize output: int exceeds XML-RPC limits")

# Introspection.
eq("listMethods", s.system.listMethods(),
   ["add", "big", "chan", "echo", "echoAll", "fail", "fault", "faultValue", "header", "hello",
    "nilFault", "nilPointer", "nothing", "panic", "typed", "wrapped", "date.time",
    "system.listMethods", "system.methodHelp", "system.methodSignature", "a.b.three"])
eq("methodHelp", s.system.methodHelp("add"), "Add the arguments and return the sum.")
eq("methodHelp none", s.system.methodHelp("hello"), "")
eq("methodSignature", s.system.methodSignature("echo"), [["string", "string"], ["int", "int"]])
eq("methodSignature derived", s.system.methodSignature("add"), [["int", "int", "int"]])
eq("methodSignature none", s.system.methodSignature("echoAll"), "")
fault("methodHelp missing", lambda: s.system.methodHelp("nope"), 8001, "procedure nope not found")

for f in failures:
    print(f)
print("%d checks, %d failed" % (checks, len(failures)))
sys.exit(1 if failures else 0)
