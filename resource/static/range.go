package static

import (
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxRanges is the number of ranges a Range header may name when
// File.MaxRanges is zero.
const DefaultMaxRanges = 16

// cleanRangeHeader rewrites the Range header of h in the form
// http.ServeContent expects for a file of size bytes, or removes it when it
// must be ignored (see cleanRange), so that ServeContent sends the whole
// file with 200.
func cleanRangeHeader(h http.Header, size int64, maxRanges int) {
	v, ok := h["Range"]
	if !ok {
		return
	}
	if len(v) == 1 {
		if norm, ok := cleanRange(v[0], size, maxRanges); ok {
			v[0] = norm
			return
		}
	}
	delete(h, "Range")
}

// span is a range of bytes from start to end, both included, within a file.
type span struct{ start, end int64 }

// touches reports whether s and t overlap or are adjacent, so that one
// span can send the bytes of both.
func (s span) touches(t span) bool {
	return s.start <= t.end+1 && t.start <= s.end+1
}

// cleanRange reads a Range header as Twisted does, for a file of size
// bytes, and rewrites it with the ranges resolved against the file, merged
// and in the form http.ServeContent expects.
//
// ok is false when the header must be ignored, and the whole file sent: a
// unit other than bytes, an element that is not "a-b", "a-" or "-n" with
// decimal digits, a range whose start is after its end, no range at all,
// more than maxRanges ranges (RFC 9110 §14.2 lets a server ignore Range; a
// header of thousands of tiny ranges would otherwise make a response many
// times its own size), or an empty file (which has no byte to send).
//
// Ranges that overlap or are adjacent are merged into one, which takes the
// place of the first of them, and the others keep the order they were
// asked in (RFC 9110 §14.6). Ranges that start past the end of the file,
// and suffixes of zero bytes, are dropped; when none is left, the result is
// a range ServeContent answers with 416. Numbers of any length are read:
// an end past the file is its last byte, a suffix longer than the file the
// whole file.
//
// It allocates only the returned string, however long the header.
func cleanRange(h string, size int64, maxRanges int) (string, bool) {
	unit, set, ok := strings.Cut(h, "=")
	if !ok || strings.TrimSpace(unit) != "bytes" || size <= 0 {
		return "", false
	}
	if maxRanges <= 0 {
		maxRanges = DefaultMaxRanges
	}
	var buf [DefaultMaxRanges]span
	spans := buf[:0]
	n := 0
	for elem := range strings.SplitSeq(set, ",") {
		elem = strings.TrimSpace(elem)
		if elem == "" {
			continue
		}
		if n++; n > maxRanges {
			return "", false
		}
		first, last, ok := strings.Cut(elem, "-")
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if !ok || first == "" && !digits(last) || first != "" && !digits(first) || last != "" && !digits(last) ||
			first != "" && last != "" && compareDigits(first, last) > 0 {
			return "", false
		}
		if s, ok := resolve(first, last, size); ok {
			spans = merge(spans, s)
		}
	}
	if n == 0 {
		return "", false
	}
	if len(spans) == 0 {
		return "bytes=" + pastAnyFile, true
	}
	var b strings.Builder
	var num [20]byte // an int64's digits
	b.Grow(len("bytes=") + len(spans)*(2*19+2))
	b.WriteString("bytes=")
	for i, s := range spans {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(strconv.AppendInt(num[:0], s.start, 10))
		b.WriteByte('-')
		b.Write(strconv.AppendInt(num[:0], s.end, 10))
	}
	return b.String(), true
}

// pastAnyFile is a range that starts after the end of any file.
const pastAnyFile = "9223372036854775807-"

// resolve returns the bytes of a file of size bytes that the range
// "first-last" asks for (first and last are decimal digits or empty, not
// both, and first is not after last), or ok=false when it asks for none.
func resolve(first, last string, size int64) (s span, ok bool) {
	if first == "" { // the last n bytes
		n, fits := parseDigits(last)
		switch {
		case fits && n == 0:
			return span{}, false
		case !fits || n > size:
			n = size
		}
		return span{size - n, size - 1}, true
	}
	start, fits := parseDigits(first)
	if !fits || start >= size {
		return span{}, false
	}
	end := size - 1
	if z, fits := parseDigits(last); last != "" && fits && z < end {
		end = z
	}
	return span{start, end}, true
}

// merge adds s to spans, which touch none of each other: the spans that s
// touches are replaced by one span covering them and s, in the place of the
// first of them; when it touches none, s is added at the end. Spans stay
// apart, so the result touches none of each other either.
func merge(spans []span, s span) []span {
	at := -1
	kept := spans[:0]
	for _, t := range spans {
		if !t.touches(s) {
			kept = append(kept, t)
			continue
		}
		s.start, s.end = min(s.start, t.start), max(s.end, t.end)
		if at < 0 {
			at = len(kept)
			kept = append(kept, t) // its place, filled below
		}
	}
	if at < 0 {
		return append(kept, s)
	}
	kept[at] = s
	return kept
}

// parseDigits returns the number a run of decimal digits writes, and
// whether it fits in an int64.
func parseDigits(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// compareDigits compares two runs of decimal digits as the numbers they
// write, however long: -1, 0 or +1.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// digits reports whether s is a non-empty run of ASCII decimal digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
