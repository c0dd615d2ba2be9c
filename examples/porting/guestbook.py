"""A guestbook: the Twisted Web application that docs/porting.md ports to Go.

GET / shows the signatures and a form; POST /sign adds one; /RPC2 is an
XML-RPC API (entries, sign); /static/ serves the stylesheet. Each visitor's
session holds the token that the visitor's forms must send back.
"""

import argparse
import html
import os
import secrets

from twisted.internet import endpoints, reactor
from twisted.python.components import registerAdapter
from twisted.web import resource, server, static, xmlrpc
from zope.interface import Attribute, Interface, implementer


class Guestbook:
    """The signatures, oldest first."""

    def __init__(self):
        self.entries = []

    def sign(self, name, message):
        self.entries.append({"name": name, "message": message})
        return len(self.entries)


class IFormToken(Interface):
    value = Attribute("A random string that the session's forms send back.")


@implementer(IFormToken)
class FormToken:
    def __init__(self, session):
        self.value = secrets.token_urlsafe(16)


registerAdapter(FormToken, server.Session, IFormToken)

PAGE = """<!DOCTYPE html><html><head><meta charset='utf-8'><title>Guestbook</title>
<link rel='stylesheet' href='/static/style.css'></head><body><h1>Guestbook</h1>
<ul>%s</ul><form method='POST' action='sign'>
<input type='hidden' name='token' value='%s'><input name='name' placeholder='Name'>
<input name='message' placeholder='Message'><button>Sign</button></form></body></html>"""


class Home(resource.Resource):
    isLeaf = True

    def __init__(self, book):
        super().__init__()
        self.book = book

    def render_GET(self, request):
        token = IFormToken(request.getSession()).value
        items = "".join(
            "<li><b>%s</b>: %s</li>" % (html.escape(e["name"]), html.escape(e["message"]))
            for e in self.book.entries
        )
        return (PAGE % (items, token)).encode("utf-8")


class Sign(resource.Resource):
    isLeaf = True

    def __init__(self, book):
        super().__init__()
        self.book = book

    def render_POST(self, request):
        def field(name):
            return request.args.get(name, [b""])[0].decode("utf-8", "replace")

        token = IFormToken(request.getSession()).value
        if not secrets.compare_digest(field(b"token"), token):
            request.setResponseCode(403)
            return b"<p>This form has expired: reload the page.</p>"
        if not field(b"name").strip():
            request.setResponseCode(400)
            return b"<p>A name is needed.</p>"
        self.book.sign(field(b"name"), field(b"message"))
        request.redirect(str(request.URLPath().sibling(b"")).encode("ascii"))
        return b""


class API(xmlrpc.XMLRPC):
    def __init__(self, book):
        super().__init__()
        self.book = book

    def xmlrpc_entries(self):
        """Return every signature, oldest first."""
        return self.book.entries

    def xmlrpc_sign(self, name, message):
        """Sign the guestbook; return the number of signatures."""
        if not name.strip():
            raise xmlrpc.Fault(1, "a name is needed")
        return self.book.sign(name, message)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("-addr", default=":8080", help="address to listen on")
    parser.add_argument("-static", default=os.path.join(here, "static"))
    args = parser.parse_args()

    book = Guestbook()
    root = resource.Resource()
    root.putChild(b"", Home(book))
    root.putChild(b"sign", Sign(book))
    root.putChild(b"RPC2", API(book))
    root.putChild(b"static", static.File(args.static))

    host, _, port = args.addr.rpartition(":")
    endpoint = endpoints.TCP4ServerEndpoint(reactor, int(port), interface=host or "")

    def listening(port):
        address = port.getHost()
        print("listening on http://%s:%d" % (address.host, address.port), flush=True)

    endpoint.listen(server.Site(root)).addCallback(listening)
    reactor.run()


if __name__ == "__main__":
    main()
