package request

import "strings"

// BasicAuth returns the user name and password of the request's Basic
// Authorization header (Twisted's getUser and getPassword); ok is false,
// and both are "", when there is none or it does not parse.
//
// It reads the header as Twisted does, which is more lenient than
// http.Request.BasicAuth: the last Authorization header counts; it must
// hold exactly two words separated by any ASCII white space, the first
// "Basic" in any case; the second is decoded as Python's base64.b64decode
// decodes (characters outside the base64 alphabet are skipped, the padding
// must be complete, and decoding stops at the end of the padding); the
// result is split at its first ":" (none: not ok). The user name and
// password are the decoded bytes, which need not be UTF-8.
//
// It reports what the client sent and checks nothing: to authenticate,
// wrap the resources in resource/guard.
func (r *Request) BasicAuth() (user, password string, ok bool) {
	scheme, creds, found := twoWords(r.Header("Authorization"))
	if !found || !strings.EqualFold(scheme, "basic") {
		return "", "", false
	}
	raw, valid := decodeBase64Lenient(creds)
	if !valid {
		return "", "", false
	}
	user, password, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	return user, password, true
}

// twoWords splits s into its two words as Python's bytes.split() would
// (ASCII white space separates, leading and trailing white space is
// dropped); found is false unless there are exactly two.
func twoWords(s string) (first, second string, found bool) {
	f := strings.FieldsFunc(s, isASCIISpace)
	if len(f) != 2 {
		return "", "", false
	}
	return f[0], f[1], true
}

// isASCIISpace reports whether c is white space as Python's bytes methods
// see it: space, \t, \n, \v, \f and \r.
func isASCIISpace(c rune) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// decodeBase64Lenient decodes s as Python's base64.b64decode does without
// validate (binascii.a2b_base64, not strict): characters outside the
// alphabet are skipped; a "=" ends the input once it completes a quantum
// of four (with the two or three characters before it), and is otherwise
// skipped; valid is false when the input stops inside a quantum.
func decodeBase64Lenient(s string) (out []byte, valid bool) {
	out = make([]byte, 0, len(s)*3/4)
	var quad, pads int // position in the quantum; "="s since its last character
	var left byte      // bits of the quantum not yet written
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			pads++
			if quad >= 2 && quad+pads >= 4 {
				return out, true
			}
			continue
		}
		v, isB64 := base64Value(c)
		if !isB64 {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	return out, quad == 0
}

// base64Value returns the value of c in the standard base64 alphabet.
func base64Value(c byte) (byte, bool) {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A', true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26, true
	case '0' <= c && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}
