package guard

import (
	"errors"
	"strings"
)

var errMalformed = errors.New("guard: malformed auth-params")

// maxDigestParams is the most auth-params parseDigest accepts: a Digest
// response uses 12 (RFC 7616 §3.4), so 32 leaves room for extensions,
// and a header of many tiny parameters costs a bounded map, not one entry
// per four bytes of header.
const maxDigestParams = 32

// parseDigest parses the auth-params of a Digest Authorization header
// (RFC 7616 §3.4, RFC 9110 §11.2): a comma-separated list of
// name=value, where the value is a token or a quoted-string, with optional
// whitespace around the commas and the "=". Names are returned lower-case,
// quoted values unescaped; empty list elements are skipped. A name given
// twice, a missing "=", an unterminated quoted-string, a control character
// or more than maxDigestParams parameters is an error.
func parseDigest(s string) (map[string]string, error) {
	params := make(map[string]string, 10)
	i := 0
	for {
		i = skipOWS(s, i)
		for i < len(s) && s[i] == ',' {
			i = skipOWS(s, i+1)
		}
		if i == len(s) {
			return params, nil
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return nil, errMalformed
		}
		name := strings.ToLower(s[start:i])
		i = skipOWS(s, i)
		if i == len(s) || s[i] != '=' {
			return nil, errMalformed
		}
		i = skipOWS(s, i+1)
		var value string
		if i < len(s) && s[i] == '"' {
			var err error
			if value, i, err = quotedString(s, i); err != nil {
				return nil, err
			}
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			if i == start {
				return nil, errMalformed
			}
			value = s[start:i]
		}
		if _, dup := params[name]; dup || len(params) == maxDigestParams {
			return nil, errMalformed
		}
		params[name] = value
		i = skipOWS(s, i)
		if i < len(s) && s[i] != ',' {
			return nil, errMalformed
		}
	}
}

// quotedString reads the quoted-string that starts at s[i] == '"', and
// returns its unescaped value and the index after its closing quote.
func quotedString(s string, i int) (string, int, error) {
	i++ // the opening quote
	start := i
	escaped := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v := s[start:i]
			if escaped {
				v = unescape(v)
			}
			return v, i + 1, nil
		case c == '\\':
			escaped = true
			i++
			if i == len(s) || !isQuotedPairChar(s[i]) {
				return "", 0, errMalformed
			}
		case !isQDTextChar(c):
			return "", 0, errMalformed
		}
	}
	return "", 0, errMalformed
}

func unescape(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isQDTextChar reports whether c may appear unescaped in a quoted-string:
// HTAB, SP and visible characters other than '"' and '\', and obs-text.
func isQDTextChar(c byte) bool {
	return c == '\t' || c == ' ' || (c >= 0x21 && c != '"' && c != '\\' && c != 0x7f)
}

func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f)
}
