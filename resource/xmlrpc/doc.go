// Package xmlrpc publishes Go functions over XML-RPC, as Twisted's
// twisted.web.xmlrpc does: a [Resource] is a leaf of the resource tree that
// answers POSTed method calls.
//
//	type Example struct{}
//
//	func (Example) XMLRPCEcho(x any) any   { return x }
//	func (Example) XMLRPCAdd(a, b int) int { return a + b }
//	func (Example) XMLRPCFault() error {
//		return &xmlrpc.Fault{Code: 123, String: "The fault procedure is faulty."}
//	}
//
//	x := xmlrpc.New(Example{})                  // echo, add and fault
//	x.Register("hello", func() string { return "hello, world!" })
//	x.PutSubHandler("date", xmlrpc.New(Date{})) // date.time
//	xmlrpc.AddIntrospection(x)                  // system.listMethods, ...
//	root.PutChild("RPC2", x)
//
// # Procedures
//
// A procedure is any Go function: parameters for the call's arguments,
// optionally preceded by a context.Context or a *request.Request (Twisted's
// withRequest), and no result, a result, an error, or a result and an
// error. A variadic function takes any number of trailing arguments.
// [New] finds them on a value by their XMLRPC prefix; [Resource.Register]
// takes them one by one, under any name without a ".".
//
// An error that is or wraps a *[Fault] is sent as that fault; any other
// error, and a panic, is logged and sent as Twisted sends an exception:
// fault [Failure] with the string "error". A missing procedure is fault
// [NotFound].
//
// A procedure may block: it runs on the request's goroutine, so waiting is
// how it answers later (Twisted's procedures return a Deferred). Take a
// context.Context to stop waiting when the client goes away.
//
// # Types
//
// Arguments are decoded to these Go values, and converted to the
// procedure's parameter types:
//
//	XML-RPC            decoded as        converts to
//	int, i4 (i1 i2 i8) int               any integer type that holds it, float32, float64
//	boolean            bool              bool
//	string, bare text  string            string
//	double             float64           float64, float32 if it holds it
//	dateTime.iso8601   DateTime          time.Time, DateTime (time.Time when UseDateTime)
//	base64             []byte            []byte
//	struct             map[string]any    map[string]T, a struct (fields as below)
//	array              []any             []T, [N]T of the same length
//	nil                nil               pointers, interfaces, slices, maps
//
// A parameter of type any receives the decoded value; a pointer receives a
// pointer to the converted value. A struct member fills the field named by
// the field's `xmlrpc:"name"` tag or else by its name, matched exactly or
// else ignoring case; members without a field are ignored. Any other
// mismatch, or a wrong number of arguments, is fault Failure with a message
// that names the argument and the types, such as "add: argument 2: want
// int, got string".
//
// Results are encoded by kind: integers as int (values beyond 32 bits are a
// Failure fault, as in Python), bool, strings, floats as double, time.Time
// (its wall clock, without a zone) and DateTime as dateTime.iso8601, byte
// slices as base64, other slices and arrays as array, maps with string keys
// (sorted) and structs (exported fields, the same tags, ",omitempty"
// honoured) as struct, pointers and interfaces as what they point to, and
// nil as <nil/> when AllowNone is set. A result that is a Fault is sent as
// that fault.
//
// # Limits
//
// The body is read with [request.Request.Content], so the Site's
// MaxRequestBodySize bounds it (413 beyond). Anything wrong inside the
// body, including malformed XML, gets a Failure fault "Can't deserialize
// input: ..." with status 200, as Twisted answers; the Content-Type is not
// looked at. Arrays and structs nest at most MaxDepth deep, and a call
// holds at most MaxValues values (parameters, array values and struct
// members). Attributes, comments and processing instructions are skipped
// unread, and the procedure is looked up as soon as its name is read, so
// a call of an unknown procedure gets its NotFound fault without its
// parameters being read.
package xmlrpc
