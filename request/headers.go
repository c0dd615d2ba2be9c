package request

import "strings"

// Proto returns the protocol the request came in, such as "HTTP/1.1"
// ("HTTP/2.0" for HTTP/2): Twisted's clientproto.
func (r *Request) Proto() string { return r.r.Proto }

// AllHeaders returns the request's headers in a new map, as Twisted's
// getAllHeaders: each name in lower case, mapped to its last value (as
// Header reads it). Host and Transfer-Encoding, which net/http moves out
// of the header map, are put back: "host" is the host the client asked
// for on the connection (not X-Forwarded-Host), "transfer-encoding" the
// codings net/http removed. For every value of a header, in Go's
// canonical spelling, read HTTPRequest().Header.
func (r *Request) AllHeaders() map[string]string {
	h := make(map[string]string, len(r.r.Header)+1)
	for name, v := range r.r.Header {
		if len(v) > 0 {
			h[strings.ToLower(name)] = v[len(v)-1]
		}
	}
	if r.r.Host != "" {
		h["host"] = r.r.Host
	}
	if len(r.r.TransferEncoding) > 0 {
		h["transfer-encoding"] = strings.Join(r.r.TransferEncoding, ", ")
	}
	return h
}
