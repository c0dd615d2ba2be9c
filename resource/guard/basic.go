package guard

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gotwisted/web/request"
)

// basic is the Basic scheme (RFC 7617).
type basic struct {
	challenge []string
}

// Basic returns the Basic scheme (RFC 7617) for the named realm (Twisted's
// BasicCredentialFactory). The password travels in clear text: serve it
// over TLS only.
func Basic(realm string) Scheme {
	return &basic{challenge: []string{`Basic realm=` + quote(realm) + `, charset="UTF-8"`}}
}

func (b *basic) Name() string { return "Basic" }

func (b *basic) Challenges(*request.Request, error) []string { return b.challenge }

// Authenticate decodes "user:password" from base64 (padding optional, as
// Twisted accepts it) and checks it.
func (b *basic) Authenticate(creds string, _ *request.Request, c Checker) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(creds, "="))
	if err != nil {
		return "", fmt.Errorf("%w: malformed Basic credentials", ErrUnauthorized)
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", fmt.Errorf("%w: Basic credentials without a colon", ErrUnauthorized)
	}
	good, err := c.CheckPassword(user, password)
	if err != nil {
		return "", err
	}
	if !good {
		return "", fmt.Errorf("%w: wrong password for %q", ErrUnauthorized, user)
	}
	return user, nil
}

// quote returns s as a quoted-string (RFC 9110 §5.6.4).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
