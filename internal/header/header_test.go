package header

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHasToken(t *testing.T) {
	tests := []struct {
		values []string
		token  string
		want   bool
	}{
		{nil, "Cookie", false},
		{[]string{"Cookie"}, "Cookie", true},
		{[]string{"cookie"}, "Cookie", true},
		{[]string{"Accept-Encoding, Cookie"}, "Cookie", true},
		{[]string{"Accept-Encoding ,  Cookie  "}, "Cookie", true},
		{[]string{"Accept-Encoding", "Cookie"}, "Cookie", true},
		{[]string{"Cookies"}, "Cookie", false},
		{[]string{`private="Set-Cookie"`}, "private", false},
		{[]string{"no-cache,,private"}, "private", true},
		{[]string{""}, "private", false},
	}
	for _, tt := range tests {
		if got := HasToken(tt.values, tt.token); got != tt.want {
			t.Errorf("HasToken(%q, %q) = %v, want %v", tt.values, tt.token, got, tt.want)
		}
	}
}
