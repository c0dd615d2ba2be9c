package session

import (
	"testing"

	"github.com/google/uuid"
)

func BenchmarkParseUID(b *testing.B) {
	s := uuid.NewString()
	for b.Loop() {
		parseUID(s)
	}
}

func TestParseUIDTables(t *testing.T) {
	if len(unhex) != 256 {
		t.Fatalf("len(unhex) = %d", len(unhex))
	}
	for c := range 256 {
		want := byte(0xff)
		switch {
		case '0' <= c && c <= '9':
			want = byte(c - '0')
		case 'a' <= c && c <= 'f':
			want = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			want = byte(c - 'A' + 10)
		}
		if unhex[c] != want {
			t.Errorf("unhex[%q] = %#x, want %#x", c, unhex[c], want)
		}
	}
	for i := range 1000 {
		u := uuid.New()
		if i%2 == 0 {
			u = uuid.UUID{}
			u[i%16] = byte(i)
		}
		got, ok := parseUID(u.String())
		if !ok || got != u {
			t.Fatalf("parseUID(%q) = %v, %v", u.String(), got, ok)
		}
	}
}
