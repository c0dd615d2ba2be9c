package request

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// urlencoded returns n fields made by field(i), joined by "&".
func urlencoded(n int, field func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(field(i))
	}
	return b.String()
}

// multipartText returns a multipart body with boundary "B" of n parts,
// the i-th named name(i) and holding value(i).
func multipartText(n int, disposition func(i int) string, value string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "--B\r\nContent-Disposition: form-data; %s\r\n\r\n%s\r\n", disposition(i), value)
	}
	b.WriteString("--B--\r\n")
	return b.String()
}

// The floods of issue 14, and the largest forms the default limits let
// through, cost at most four times the body plus 1 MiB of allocations.
func TestFormAllocationBound(t *testing.T) {
	const form, mp = "application/x-www-form-urlencoded", "multipart/form-data; boundary=B"
	name := func(i int) string { return fmt.Sprintf(`name="k%d"`, i) }
	tests := []struct {
		name, ctype, body string
		err               error
	}{
		// 1.05M short fields in 10.5 MB: before, 1.4 s and 432 MB.
		{"urlencoded flood", form, urlencoded(1_048_000, func(i int) string { return fmt.Sprintf("k%06x=1", i) }), ErrTooManyFields},
		// 182k parts in 10.4 MB: before, 339 MB.
		{"multipart flood", mp, multipartText(182_000, name, "v"), ErrTooManyFields},
		{"urlencoded, 1000 two-byte keys", form, urlencoded(1000, func(i int) string { return string([]byte{byte('a' + i/26%26), byte('a' + i%26)}) + "=" }), nil},
		{"urlencoded, 1000 values of one key", form, urlencoded(1000, func(int) string { return "=" }), nil},
		{"urlencoded, all escaped", form, urlencoded(1000, func(int) string { return "%41=" + strings.Repeat("%42+", 2000) }), nil},
		{"urlencoded, big values", form, urlencoded(10, func(int) string { return "k=" + strings.Repeat("v", 1<<20-100) }), nil},
		{"multipart, 1000 parts", mp, multipartText(1000, name, ""), nil},
		{"multipart, 1000 values of 10 KB", mp, multipartText(1000, name, strings.Repeat("v", 10_000)), nil},
		{"multipart, a 9 MB file", mp, multipartText(1, func(int) string { return `name="f"; filename="f"` }, strings.Repeat("v", 9<<20)), nil},
		{"multipart, 1000 files of 10 KB", mp, multipartText(1000, func(i int) string { return name(i) + `; filename="f"` }, strings.Repeat("v", 10_000)), nil},
	}
	for _, tt := range tests {
		hr := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		hr.Header.Set("Content-Type", tt.ctype)
		r := New(httptest.NewRecorder(), hr, nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		args, err := r.Args()
		runtime.ReadMemStats(&after)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
		if files, _ := r.Files(); tt.err == nil && len(args)+len(files) == 0 {
			t.Errorf("%s: no arguments", tt.name)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		bound := 4*uint64(len(tt.body)) + 1<<20
		t.Logf("%s: body %d B, allocated %d B (%.2fx the body), %d allocations",
			tt.name, len(tt.body), alloc, float64(alloc)/float64(len(tt.body)), after.Mallocs-before.Mallocs)
		if alloc > bound {
			t.Errorf("%s: allocated %d B for a body of %d B; the bound is %d", tt.name, alloc, len(tt.body), bound)
		}
		r.Finish()
	}
}

// A query of a few arguments costs a handful of allocations.
func TestQueryAllocs(t *testing.T) {
	for _, tt := range []struct {
		query string
		max   float64
	}{
		{"a=1", 2},                  // the map, one value slot
		{"a=1&b=2&c=3&a=4", 4},      // + growing a's values
		{"q=hello+world&page=2", 3}, // + one decoded value
	} {
		hr := httptest.NewRequest("GET", "/?"+tt.query, nil)
		n := testing.AllocsPerRun(100, func() {
			m := make(map[string][]string)
			fields := int64(DefaultMaxFormFields)
			parseQuery(m, hr.URL.RawQuery, &fields)
		})
		if n > tt.max {
			t.Errorf("%q: %.0f allocations, want at most %.0f", tt.query, n, tt.max)
		}
	}
}
