package site

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
)

// A LogFormatter turns a finished request into one access-log line, without
// the newline (Twisted's logFormatter). timestamp is the wall-clock time
// the response ended, already formatted as "[02/Jan/2006:15:04:05 +0000]".
type LogFormatter func(timestamp string, r *request.Request) string

// CombinedLogFormat formats a line as Twisted's combinedLogFormatter does:
//
//	"1.2.3.4" - - [13/Feb/2009:23:31:30 +0000] "GET /dummy HTTP/1.0" 123 - "-" "-"
//
// The client address is quoted, a body of no bytes is logged as "-", a
// missing Referer or User-Agent as "-", and every field is escaped as a
// Python bytes literal ("\"" for a quote, "\xNN" for non-ASCII bytes). The
// address is the peer's, or, when the Site trusts proxy headers, the last
// X-Forwarded-For entry, the one the proxy in front of the Site wrote (see
// request.Request.ClientAddr).
func CombinedLogFormat(timestamp string, r *request.Request) string {
	return formatLine(r.ClientAddr(), timestamp, r)
}

// ProxiedLogFormat is CombinedLogFormat with the client address taken from
// the first X-Forwarded-For entry, or "-" (Twisted's proxiedLogFormatter):
// the client's own claim, unless every proxy on its way replaced the
// header. CombinedLogFormat with Site.TrustProxyHeaders logs the address
// the proxy in front of the Site saw.
func ProxiedLogFormat(timestamp string, r *request.Request) string {
	return formatLine(orDash(r.ForwardedFor()), timestamp, r)
}

func formatLine(addr, timestamp string, r *request.Request) string {
	hr := r.HTTPRequest()
	length := "-"
	if n := r.BytesWritten(); n > 0 {
		length = strconv.FormatInt(n, 10)
	}
	var b strings.Builder
	b.WriteByte('"')
	writeEscaped(&b, addr)
	b.WriteString(`" - - `)
	b.WriteString(timestamp)
	b.WriteString(` "`)
	writeEscaped(&b, hr.Method)
	b.WriteByte(' ')
	writeEscaped(&b, hr.RequestURI)
	b.WriteByte(' ')
	writeEscaped(&b, hr.Proto)
	b.WriteString(`" `)
	b.WriteString(strconv.Itoa(r.ResponseCode()))
	b.WriteByte(' ')
	b.WriteString(length)
	b.WriteString(` "`)
	// The last Referer and User-Agent, as Twisted's getHeader.
	writeEscaped(&b, orDash(r.Header("Referer")))
	b.WriteString(`" "`)
	writeEscaped(&b, orDash(r.Header("User-Agent")))
	b.WriteByte('"')
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeEscaped writes s as the inside of a Python bytes literal with double
// quotes escaped: printable ASCII as is, "\\", "\"", "\t", "\n", "\r", and
// "\xNN" for every other byte.
func writeEscaped(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"':
			b.WriteString(`\"`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}

// logTimestamp formats t as the access log's "[02/Jan/2006:15:04:05 +0000]", in UTC.
func logTimestamp(t time.Time) string {
	return t.UTC().Format("[02/Jan/2006:15:04:05 +0000]")
}

// logAccess writes r's line to the access log once its response ended.
// ServeHTTP calls it when it returns, which for a hijacked connection (a
// WebSocket) may be before the connection's owner ends the Request: that
// line waits for the end, without a goroutine meanwhile.
func (s *Site) logAccess(r *request.Request) {
	if r.Hijacked() {
		if ctx := r.Context(); ctx.Err() == nil {
			context.AfterFunc(ctx, func() { s.writeAccessLine(r) })
			return
		}
	}
	s.writeAccessLine(r)
}

// writeAccessLine formats r's line and writes it to the access log.
func (s *Site) writeAccessLine(r *request.Request) {
	format := s.LogFormatter
	if format == nil {
		format = CombinedLogFormat
	}
	// The wall clock, as Twisted logs: Request.Now is on the session
	// clock, which ignores steps of the wall clock, so after one it would
	// misdate every line.
	line := format(logTimestamp(time.Now()), r) + "\n"
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if _, err := s.AccessLog.Write([]byte(line)); err != nil {
		r.Logger().Error("access log write failed", "err", err)
	}
}
