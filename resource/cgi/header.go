package cgi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Why a script's header block is refused. Each gives 502 Bad Gateway.
var (
	// errNoHeader: the output ended before the blank line that ends the
	// header block (Twisted's "Premature end of script headers").
	errNoHeader = errors.New("premature end of script headers")
	// errHeaderSize: the header block is longer than Options.MaxHeaderBytes.
	errHeaderSize = errors.New("script headers too large")
)

// headerError is a header line that does not parse.
type headerError struct {
	line string // the line, cut to a readable length
	why  string
}

func (e *headerError) Error() string {
	return fmt.Sprintf("malformed script header %q: %s", e.line, e.why)
}

func malformed(line []byte, why string) error {
	const show = 80
	if len(line) > show {
		line = line[:show]
	}
	return &headerError{line: string(line), why: why}
}

// dropped names the header fields a script may send but the client never
// gets: Server and Date, which the server owns (as in Twisted), and the
// hop-by-hop fields, which describe the connection net/http manages.
var dropped = map[string]bool{
	"Server":            true,
	"Date":              true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Proxy-Connection":  true,
	"Te":                true,
	"Trailer":           true,
	"Transfer-Encoding": true,
	"Upgrade":           true,
}

// parseHeader reads the header block of a script's output (RFC 3875 §6)
// from br, reading no more than max bytes, and returns the response's
// status and header fields; br is left at the first byte of the body.
//
// Lines end with LF, optionally preceded by CR; the block ends with an
// empty line, and may be empty itself. Each line is "Name: value" with a
// token as name and optional whitespace around the value, which must hold
// no control character other than tab. Status gives the code, "NNN" or
// "NNN reason", between 200 and 599; without it the code is 302 when there
// is a Location and 200 otherwise. A Content-Length, if any, must be one
// decimal number. The fields in dropped are left out; the others are kept,
// in order, under their canonical names. Anything else is an error: a
// header we cannot read might be the Status or Location the script meant,
// so guessing could send the wrong response.
func parseHeader(br *bufio.Reader, max int) (int, http.Header, error) {
	h := make(http.Header)
	code := 0
	var long []byte // a line longer than br's buffer, gathered
	n := 0
	for {
		frag, err := br.ReadSlice('\n')
		n += len(frag)
		if n > max {
			return 0, nil, errHeaderSize
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, frag...)
			continue
		case errors.Is(err, io.EOF):
			return 0, nil, errNoHeader
		case err != nil:
			return 0, nil, err
		}
		line := frag
		if long != nil {
			line = append(long, frag...)
			long = nil
		}
		line = line[:len(line)-1] // the LF
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			break
		}
		name, value, err := splitField(line)
		if err != nil {
			return 0, nil, err
		}
		switch {
		case name == "Status":
			if code != 0 {
				return 0, nil, malformed(line, "a second Status")
			}
			if code, err = parseStatus(value); err != nil {
				return 0, nil, malformed(line, err.Error())
			}
		case name == "Content-Length" && (h[name] != nil || !isDecimal(value)):
			return 0, nil, malformed(line, "Content-Length must be one decimal number")
		case !dropped[name]:
			h[name] = append(h[name], value)
		}
	}
	if code == 0 {
		code = http.StatusOK
		if h["Location"] != nil {
			code = http.StatusFound
		}
	}
	return code, h, nil
}

// splitField splits a header line into its canonical name and its value.
func splitField(line []byte) (name, value string, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", malformed(line, "continuation lines are not accepted")
	}
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
		if !isTokenChar(c) {
			return "", "", malformed(line, "the name is not a token")
		}
	}
	switch colon {
	case -1:
		return "", "", malformed(line, "no colon")
	case 0:
		return "", "", malformed(line, "empty name")
	}
	v := line[colon+1:]
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return "", "", malformed(line, "a control character in the value")
		}
	}
	return http.CanonicalHeaderKey(string(line[:colon])), string(v), nil
}

// parseStatus reads a Status value: three digits, alone or followed by a
// space or tab and a reason (which net/http replaces by its own).
func parseStatus(v string) (int, error) {
	if len(v) < 3 || !isDecimal(v[:3]) || len(v) > 3 && v[3] != ' ' && v[3] != '\t' {
		return 0, errors.New("a Status is three digits and an optional reason")
	}
	code := int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0')
	if code < 200 || code > 599 {
		return 0, errors.New("a Status must be between 200 and 599")
	}
	return code, nil
}

// isDecimal reports whether s is a non-empty run of at most 18 ASCII digits
// (so that it fits an int64).
func isDecimal(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c may appear in a field name: a tchar of
// RFC 9110 §5.6.2.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
