package request

import (
	"net"
	"net/http"
	"net/netip"
)

// RemoteAddr returns the address of the other end of the connection the
// request came on (Twisted's getClientAddress): a *net.TCPAddr, with IP
// and Port, over TCP; a *net.UnixAddr on a Unix socket; nil when the
// server did not say (a Request made by New with a bare http.Request).
//
// Like net.Conn's RemoteAddr, it is the connection's peer whatever the
// request's headers say: behind a proxy, it is the proxy. ClientAddr is
// the client's IP as the Site believes it, which honours
// Config.TrustProxyHeaders (Twisted's proxiedLogFormatter does the same
// with X-Forwarded-For, and its address has no port either).
func (r *Request) RemoteAddr() net.Addr {
	if ap, err := netip.ParseAddrPort(r.r.RemoteAddr); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	// net/http writes the peer's address as text: a Unix socket's peer is
	// usually unnamed, so recognise it by the listening side.
	if l := r.LocalAddr(); l != nil {
		if n := l.Network(); n == "unix" || n == "unixpacket" {
			return &net.UnixAddr{Name: r.r.RemoteAddr, Net: n}
		}
	}
	return nil
}

// LocalAddr returns the address of this end of the connection, the one the
// server listens on (Twisted's getHost): a *net.TCPAddr over TCP, a
// *net.UnixAddr on a Unix socket. It is nil when the request did not come
// through a net/http server (a Request made by New in a test).
//
// It is the socket's address: behind a proxy, the one the proxy connected
// to. What the client asked for (Twisted's setHost changes both) is Host,
// and IsSecure for the scheme, which honour Config.TrustProxyHeaders.
func (r *Request) LocalAddr() net.Addr {
	a, _ := r.r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return a
}
