package request

import "strings"

// parseQuery adds the arguments of s to m, as Twisted's parse_qs with
// keep_blank_values: items are separated by "&" or ";", an item without
// "=" is dropped, and "+" is a space before percent-decoding. It adds at
// most *fields values, counting them off *fields, and reports false if s
// holds more (m then holds some of them).
//
// The cost is linear in s: a key or value that needs no decoding is a
// substring of s, and one that does costs one allocation of its length;
// each value costs a slot in a slice that the first values of all keys
// share, so m holds about as many small allocations as it has keys.
func parseQuery(m map[string][]string, s string, fields *int64) bool {
	// The first value of each new key goes in shared, an array made for
	// as many as the items left in s (one more than its separators, at
	// most), up to a bound.
	var shared []string
	items := strings.Count(s, "&") + strings.Count(s, ";") + 1
	for ; len(s) > 0; items-- {
		var item string
		i := strings.IndexAny(s, "&;")
		if i < 0 {
			item, s = s, ""
		} else {
			item, s = s[:i], s[i+1:]
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		if *fields <= 0 {
			return false
		}
		*fields--
		k, v = unquote(k, true), unquote(v, true)
		if old, seen := m[k]; seen {
			m[k] = append(old, v)
			continue
		}
		if len(shared) == cap(shared) {
			shared = make([]string, 0, min(items, 1024))
		}
		shared = append(shared, v)
		m[k] = shared[len(shared)-1 : len(shared) : len(shared)]
	}
	return true
}
