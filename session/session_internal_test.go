package session

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func BenchmarkParseUID(b *testing.B) {
	s := uuid.NewString()
	for b.Loop() {
		parseUID(s)
	}
}

// refParseUID is the rule parseUID implements, the slow way: 36 bytes,
// which uuid.Parse reads as a UUID (it then insists on the dashes and on
// hex digits in either case).
func refParseUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 {
		return uuid.UUID{}, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

func checkParseUID(t *testing.T, s string) {
	t.Helper()
	got, ok := parseUID(s)
	want, wantOK := refParseUID(s)
	if ok != wantOK || ok && got != want {
		t.Fatalf("parseUID(%q) = %v, %v; want %v, %v", s, got, ok, want, wantOK)
	}
}

// TestParseUID tries uids of every shape, then every byte value at every
// position of one uid: each must be accepted, with the right bytes, or
// refused exactly as the reference decides.
func TestParseUID(t *testing.T) {
	for i := range 1000 {
		u := uuid.New()
		if i%2 == 0 {
			u = uuid.UUID{}
			u[i%16] = byte(i)
		}
		checkParseUID(t, u.String())
		checkParseUID(t, strings.ToUpper(u.String()))
	}
	for _, s := range []string{"", "0", strings.Repeat("0", 36), strings.Repeat("-", 36),
		"{00000000-0000-0000-0000-000000000000}", "urn:uuid:00000000-0000-0000-0000-000000000000",
		"00000000000000000000000000000000", "00000000-0000-0000-0000-0000000000000"} {
		checkParseUID(t, s)
	}
	base := []byte("0123abcd-ef45-6789-ABCD-EF0123456789")
	for pos := range base {
		for c := range 256 {
			s := append([]byte(nil), base...)
			s[pos] = byte(c)
			checkParseUID(t, string(s))
		}
	}
}

func FuzzParseUID(f *testing.F) {
	f.Add("0123abcd-ef45-6789-ABCD-EF0123456789")
	f.Add("00000000-0000-0000-0000-000000000000")
	f.Fuzz(func(t *testing.T, s string) { checkParseUID(t, s) })
}
