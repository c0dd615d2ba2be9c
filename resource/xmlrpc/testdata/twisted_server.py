"""Twisted's XML-RPC server, the peer the benchmark measures against.

Usage: python3 twisted_server.py

Serves the howto's Example at http://127.0.0.1:PORT/RPC2 on a free port,
prints "listening on http://127.0.0.1:PORT" once it accepts connections,
and runs until killed.
"""
import sys

from twisted.internet import endpoints, reactor
from twisted.web import resource, server, xmlrpc


class Example(xmlrpc.XMLRPC):
    """The howto's Example."""

    def xmlrpc_echo(self, x):
        """Return all passed args."""
        return x

    def xmlrpc_add(self, a, b):
        """Return sum of arguments."""
        return a + b


def listening(port):
    print("listening on http://127.0.0.1:%d" % port.getHost().port, flush=True)


root = resource.Resource()
root.putChild(b"RPC2", Example())
site = server.Site(root)
site.noisy = False
endpoint = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
endpoint.listen(site).addCallbacks(listening, lambda f: (print(f, file=sys.stderr), reactor.stop()))
reactor.run()
