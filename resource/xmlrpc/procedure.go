package xmlrpc

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
)

var (
	contextType = reflect.TypeFor[context.Context]()
	requestType = reflect.TypeFor[*request.Request]()
	errorType   = reflect.TypeFor[error]()
)

// A Procedure is one published function and what introspection says of
// it. Register and New make them; LookupProcedure finds them.
//
// Set Help and Signature before the Resource serves: they are read without
// a lock.
type Procedure struct {
	// Help is the answer to system.methodHelp (Twisted's help attribute,
	// or the docstring Go functions do not have). Empty by default.
	Help string

	// Signature is the answer to system.methodSignature: lists of XML-RPC
	// type names, the result's first, then the parameters'. When nil it is
	// derived from the function's Go types if each of them maps to one
	// XML-RPC type (see the package doc), and system.methodSignature
	// answers "" otherwise, as Twisted does without a signature attribute.
	Signature [][]string

	fn        reflect.Value
	pass      reflect.Type // contextType, requestType or nil: what goes first
	params    int          // XML-RPC parameters, counting a variadic one
	hasResult bool
	hasError  bool
}

// newProcedure checks that fn has a shape the package can call and
// returns it as a Procedure; the error says what is wrong.
func newProcedure(fn reflect.Value) (*Procedure, error) {
	if fn.Kind() != reflect.Func || fn.IsNil() {
		return nil, fmt.Errorf("%s is not a function", fn.Type())
	}
	t := fn.Type()
	p := &Procedure{fn: fn, params: t.NumIn()}
	if t.NumIn() > 0 && (t.In(0) == contextType || t.In(0) == requestType) {
		p.pass = t.In(0)
		p.params--
	}
	for i := t.NumIn() - p.params; i < t.NumIn(); i++ {
		if !receivable(t.In(i)) {
			return nil, fmt.Errorf("no XML-RPC value converts to parameter type %s", t.In(i))
		}
	}
	switch {
	case t.NumOut() == 2 && t.Out(1) == errorType:
		p.hasResult, p.hasError = true, true
	case t.NumOut() == 1 && t.Out(0) == errorType:
		p.hasError = true
	case t.NumOut() == 1:
		p.hasResult = true
	case t.NumOut() != 0:
		return nil, fmt.Errorf("%s returns more than a result and an error", t)
	}
	return p, nil
}

// signature returns Signature, or the one derived from the Go types, or
// nil.
func (p *Procedure) signature() [][]string {
	if p.Signature != nil || !p.hasResult || p.fn.Type().IsVariadic() {
		return p.Signature
	}
	t := p.fn.Type()
	sig := []string{typeName(t.Out(0))}
	for i := t.NumIn() - p.params; i < t.NumIn(); i++ {
		sig = append(sig, typeName(t.In(i)))
	}
	for _, name := range sig {
		if name == "" {
			return nil
		}
	}
	return [][]string{sig}
}

// call converts params to the function's parameter types and calls it. A
// parameter that does not convert, or a wrong number of them, gives a
// Failure fault naming method; the function's own error is returned as it
// is.
func (p *Procedure) call(r *request.Request, method string, params []any) (any, error) {
	t := p.fn.Type()
	first := t.NumIn() - p.params
	if n := len(params); n != p.params && !(t.IsVariadic() && n >= p.params-1) {
		want := strconv.Itoa(p.params)
		if t.IsVariadic() {
			want = "at least " + strconv.Itoa(p.params-1)
		}
		return nil, &Fault{Failure, fmt.Sprintf("%s takes %s arguments, got %d", method, want, n)}
	}
	in := make([]reflect.Value, first, first+len(params))
	switch p.pass {
	case contextType:
		in[0] = reflect.ValueOf(r.Context())
	case requestType:
		in[0] = reflect.ValueOf(r)
	}
	for i, v := range params {
		var pt reflect.Type
		if j := first + i; t.IsVariadic() && j >= t.NumIn()-1 {
			pt = t.In(t.NumIn() - 1).Elem()
		} else {
			pt = t.In(j)
		}
		arg := reflect.New(pt).Elem()
		if err := assign(arg, v); err != nil {
			return nil, &Fault{Failure, fmt.Sprintf("%s: argument %d%v", method, i+1, err)}
		}
		in = append(in, arg)
	}
	out := p.fn.Call(in)
	if p.hasError {
		if err := out[len(out)-1]; !err.IsNil() {
			return nil, err.Interface().(error)
		}
	}
	if p.hasResult {
		return out[0].Interface(), nil
	}
	return nil, nil
}

// An argError says where in an argument a value did not convert: path is
// "" for the argument itself, else the way down to it, such as "[2].name".
type argError struct {
	path, msg string
}

func (e *argError) Error() string { return e.path + ": " + e.msg }

func (e *argError) within(step string) *argError {
	e.path = step + e.path
	return e
}

func mismatch(t reflect.Type, v any) *argError {
	return &argError{msg: fmt.Sprintf("want %s, got %s", t, valueName(v))}
}

// assign converts the decoded value v to dst's type and stores it in dst,
// which is addressable and holds its zero value. The conversions are the
// package doc's; anything else is an *argError.
func assign(dst reflect.Value, v any) *argError {
	t := dst.Type()
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			return nil
		}
		return mismatch(t, v)
	}
	switch t {
	case timeType:
		var tm time.Time
		switch x := v.(type) {
		case time.Time:
			tm = x
		case DateTime:
			var err error
			if tm, err = x.Time(); err != nil {
				return &argError{msg: err.Error()}
			}
		default:
			return mismatch(t, v)
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	case dateTimeType:
		switch x := v.(type) {
		case DateTime:
			dst.SetString(string(x))
		case time.Time:
			dst.SetString(x.Format(dateTimeLayout))
		default:
			return mismatch(t, v)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(t) {
			return mismatch(t, v)
		}
		dst.Set(rv)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := assign(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch(t, v)
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int)
		if !ok {
			return mismatch(t, v)
		}
		if dst.OverflowInt(int64(n)) {
			return &argError{msg: fmt.Sprintf("%d is out of range for %s", n, t)}
		}
		dst.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int)
		if !ok {
			return mismatch(t, v)
		}
		if n < 0 || dst.OverflowUint(uint64(n)) {
			return &argError{msg: fmt.Sprintf("%d is out of range for %s", n, t)}
		}
		dst.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int:
			f = float64(x)
		default:
			return mismatch(t, v)
		}
		if dst.OverflowFloat(f) { // a finite double beyond float32's range
			return &argError{msg: fmt.Sprintf("%v is out of range for %s", f, t)}
		}
		dst.SetFloat(f)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch(t, v)
		}
		dst.SetString(s)
	case reflect.Slice:
		if b, ok := v.([]byte); ok && t.Elem().Kind() == reflect.Uint8 {
			dst.SetBytes(b)
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			return mismatch(t, v)
		}
		dst.Set(reflect.MakeSlice(t, len(a), len(a)))
		return assignEach(dst, a)
	case reflect.Array:
		a, ok := v.([]any)
		if !ok {
			return mismatch(t, v)
		}
		if len(a) != t.Len() {
			return &argError{msg: fmt.Sprintf("want %s, got an array of %d", t, len(a))}
		}
		return assignEach(dst, a)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(t, v)
		}
		mv := reflect.MakeMapWithSize(t, len(m))
		for k, x := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := assign(ev, x); err != nil {
				return err.within("." + k)
			}
			mv.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dst.Set(mv)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(t, v)
		}
		fields := structFields(t)
		for k, x := range m {
			f := findField(fields, k)
			if f == nil {
				continue
			}
			if err := assign(dst.FieldByIndex(f.index), x); err != nil {
				return err.within("." + k)
			}
		}
	default:
		return mismatch(t, v)
	}
	return nil
}

// assignEach assigns a's elements to those of dst, a slice or array as
// long as a.
func assignEach(dst reflect.Value, a []any) *argError {
	for i, x := range a {
		if err := assign(dst.Index(i), x); err != nil {
			return err.within("[" + strconv.Itoa(i) + "]")
		}
	}
	return nil
}

// findField returns the field a struct member named name goes to: the
// field of that exact name, else one whose name matches ignoring case, as
// encoding/json matches; nil when none does.
func findField(fields []field, name string) *field {
	var fold *field
	for i := range fields {
		switch {
		case fields[i].name == name:
			return &fields[i]
		case fold == nil && strings.EqualFold(fields[i].name, name):
			fold = &fields[i]
		}
	}
	return fold
}
