"""The tree of accessors_test.go, served by Twisted for twisted_test.go.

Each probe answers with JSON: what the request accessors say of the
request (the same keys as probeResult in accessors_test.go). /urlpath
answers with one URLPath operation, /cookies with the request's cookies.
The first line printed is the port.
"""

import json
import sys

from twisted.internet import endpoints, reactor
from twisted.python.urlpath import URLPath
from twisted.web import resource, server


def text(b):
    """bytes as JSON text, byte for byte (the probes send hex where bytes
    may be anything)."""
    return None if b is None else b.decode("latin-1")


def report(request):
    client, host = request.getClientAddress(), request.getHost()
    return json.dumps(
        {
            "RemoteHost": client.host,
            "LocalAddr": "%s:%d" % (host.host, host.port),
            "User": request.getUser().hex(),
            "Password": request.getPassword().hex(),
            "Proto": text(request.clientproto),
            "Headers": {text(k): text(v) for k, v in request.getAllHeaders().items()},
            "URLPath": str(request.URLPath()),
            "PrePathURL": text(request.prePathURL()),
            "Sibling": text(request.sibLink(b"sib")),
            "Child": text(request.childLink(b"kid")),
            "AppRoot": text(request.getRootURL()),
            "Path": text(request.path),
            "Prepath": [s.hex() for s in request.prepath],
            "Postpath": [s.hex() for s in request.postpath],
        }
    ).encode()


class Probe(resource.Resource):
    isLeaf = True

    def render(self, request):
        return report(request)


class Node(resource.Resource):
    """Renders a report; any child it lacks is a Probe."""

    def getChild(self, name, request):
        return Probe()

    def render(self, request):
        return report(request)


class Rememberer(Node):
    def getChildWithDefault(self, name, request):
        request.rememberRootURL()
        return Node.getChildWithDefault(self, name, request)


class Op(resource.Resource):
    """One URLPath operation: base, op, arg and keep come in the query."""

    isLeaf = True

    def render(self, request):
        arg = lambda name: request.args.get(name, [b""])[0]
        base = URLPath.fromBytes(arg(b"base"))
        op, name, keep = arg(b"op"), arg(b"arg"), arg(b"keep") == b"1"
        if op == b"child":
            u = base.child(name, keepQuery=keep)
        elif op == b"sibling":
            u = base.sibling(name, keepQuery=keep)
        elif op == b"parent":
            u = base.parent(keepQuery=keep)
        elif op == b"here":
            u = base.here(keepQuery=keep)
        else:
            u = base.click(name)
        return str(u).encode()


class Cookies(resource.Resource):
    """The request's cookies, all of them, as a JSON object."""

    isLeaf = True

    def render(self, request):
        cookies = {text(k): text(v) for k, v in request.received_cookies.items()}
        return json.dumps(cookies).encode()


def tree():
    root = resource.Resource()
    root.putChild(b"leaf", Probe())
    foo = Rememberer()
    foo.putChild(b"", foo)
    foo.putChild(b"bar", Node())
    root.putChild(b"foo", foo)
    root.putChild(b"urlpath", Op())
    root.putChild(b"cookies", Cookies())
    rr = Rememberer()
    rr.putChild(b"", rr)
    rr.putChild(b"bar", Node())
    return root, rr


def main():
    root, rr = tree()
    sites = [server.Site(root), server.Site(rr)]
    ports = {}

    def listening(port, i):
        ports[i] = port.getHost().port
        if len(ports) == len(sites):
            print(" ".join(str(ports[i]) for i in range(len(sites))), flush=True)

    for i, s in enumerate(sites):
        endpoint = endpoints.serverFromString(reactor, "tcp:0:interface=127.0.0.1")
        endpoint.listen(s).addCallback(listening, i)
    reactor.run()


if __name__ == "__main__":
    sys.exit(main())
