package xmlrpc

// AddIntrospection gives x the "system" sub-handler of the XML-RPC
// introspection API, as Twisted's addIntrospection does:
//
//   - system.listMethods() returns the names of every procedure of x and of
//     its sub-handlers, prefixes joined with ".", the system ones included:
//     x's own first, then each sub-handler's, breadth first, each level in
//     sorted order (a sub-handler reached twice is listed once);
//   - system.methodHelp(name) returns the procedure's Help ("" by default);
//   - system.methodSignature(name) returns the procedure's Signature (or
//     the one its Go types give), or "" when there is none.
//
// A name that finds no procedure gets the NotFound fault LookupProcedure
// gives.
func AddIntrospection(x *Resource) {
	sys := New(nil)
	p := sys.Register("listMethods", func() []string { return listMethods(x) })
	p.Help = "Return a list of the method names implemented by this server."
	p.Signature = [][]string{{"array"}}

	p = sys.Register("methodHelp", func(name string) (string, error) {
		p, err := x.LookupProcedure(name)
		if err != nil {
			return "", err
		}
		return p.Help, nil
	})
	p.Help = "Return a documentation string describing the use of the given method."
	p.Signature = [][]string{{"string", "string"}}

	p = sys.Register("methodSignature", func(name string) (any, error) {
		p, err := x.LookupProcedure(name)
		if err != nil {
			return nil, err
		}
		if sig := p.signature(); sig != nil {
			return sig, nil
		}
		return "", nil
	})
	p.Help = "Return a list of type signatures: each is a list of the form " +
		"[rtype, type1, type2, ...], or \"\" when none is known."
	p.Signature = [][]string{{"array", "string"}, {"string", "string"}}

	x.PutSubHandler("system", sys)
}

// listMethods walks x and its sub-handlers breadth first.
func listMethods(x *Resource) []string {
	type level struct {
		h      *Resource
		prefix string
	}
	var names []string
	seen := map[*Resource]bool{x: true}
	todo := []level{{x, ""}}
	for len(todo) > 0 {
		l := todo[0]
		todo = todo[1:]
		for _, name := range l.h.ListProcedures() {
			names = append(names, l.prefix+name)
		}
		for _, prefix := range l.h.subHandlers() {
			if h := l.h.SubHandler(prefix); h != nil && !seen[h] {
				seen[h] = true
				todo = append(todo, level{h, l.prefix + prefix + separator})
			}
		}
	}
	return names
}
