package session

import "testing"

func TestStripImportPaths(t *testing.T) {
	for in, want := range map[string]string{
		"int":                              "int",
		"main.Note":                        "main.Note",
		"github.com/x/y/inspect_test.Cart": "inspect_test.Cart",
		"*example.com/a.T":                 "*a.T",
		"map[string]example.com/a/b.T":     "map[string]b.T",
		"example.com/g.Pair[example.com/h.K,int]": "g.Pair[h.K,int]",
		"[]gopkg.in/yaml.v3.Node":                 "[]yaml.v3.Node",
	} {
		if got := stripImportPaths(in); got != want {
			t.Errorf("stripImportPaths(%q) = %q, want %q", in, got, want)
		}
	}
}
