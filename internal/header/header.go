// Package header holds the rules for reading HTTP header values that
// several packages of the framework share.
package header

import "strings"

// HasToken reports whether the comma-separated header values list token,
// ignoring case and the whitespace around items (RFC 9110 §5.6.1). A token
// with an argument (private="Set-Cookie") is not the token.
func HasToken(values []string, token string) bool {
	for _, line := range values {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			if strings.EqualFold(strings.TrimSpace(item), token) {
				return true
			}
		}
	}
	return false
}
