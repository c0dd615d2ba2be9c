package resource_test

import (
	"fmt"
	"testing"

	"github.com/gotwisted/web/resource"
)

// named is a resource that knows which child it was put as.
type named struct {
	resource.Leaf
	name    string
	version int
}

// TestChildWithDefault puts children one by one, past the size at which
// Base switches from scanning a list to a map, and replaces some on the
// way; after each PutChild every child put so far must be found, the
// latest version of each, and names that were never put must not be.
func TestChildWithDefault(t *testing.T) {
	names := []string{"", "a", "b", "ab", "ba", "aa", "about", "admin", "x", "favicon.ico", "A", "é", "a/b", "%2F"}
	misses := []string{"c", "abc", "b ", " a", "Ab", "ADMIN", "admins", "adm", "e", "\x00"}
	b := resource.New()
	want := map[string]*named{}
	put := func(name string) {
		v := &named{name: name}
		if old, ok := want[name]; ok {
			v.version = old.version + 1
		}
		b.PutChild(name, v)
		want[name] = v
	}
	for i, name := range names {
		put(name)
		if i%3 == 2 {
			put(names[i/2]) // replace an earlier child
		}
		for n, w := range want {
			if got := b.ChildWithDefault(n, nil); got != w {
				t.Fatalf("after %d children: ChildWithDefault(%q) = %v, want version %d", len(want), n, got, w.version)
			}
		}
		for _, n := range misses {
			if got := b.ChildWithDefault(n, nil); got != nil {
				t.Fatalf("after %d children: ChildWithDefault(%q) = %v, want nil", len(want), n, got)
			}
		}
	}
	if got := resource.New().ChildWithDefault("", nil); got != nil {
		t.Errorf("empty Base: ChildWithDefault(\"\") = %v, want nil", got)
	}
}

// BenchmarkChildWithDefault looks up every child in turn, and one name
// that is missing, with a few children (scanned) and with many (a map).
func BenchmarkChildWithDefault(b *testing.B) {
	all := []string{"users", "static", "api", "login", "logout", "about", "blog", "admin",
		"x", "favicon.ico", "index.html", "css", "js", "img", "feed", "search"}
	for _, n := range []int{3, 8, 16} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			base := resource.New()
			keys := make([]string, 0, n+1)
			for _, name := range all[:n] {
				base.PutChild(name, &named{name: name})
				keys = append(keys, string([]byte(name))) // not the same pointer
			}
			keys = append(keys, "missing")
			i := 0
			for b.Loop() {
				base.ChildWithDefault(keys[i], nil)
				if i++; i == len(keys) {
					i = 0
				}
			}
		})
	}
}
