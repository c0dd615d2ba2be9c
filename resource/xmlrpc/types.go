package xmlrpc

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// DateTime is a dateTime.iso8601 value exactly as the client sent it, less
// surrounding space, as Python's xmlrpc.client.DateTime keeps it: XML-RPC
// says nothing of time zones and clients disagree on the layout. A
// procedure parameter of type any receives a DateTime unless the Resource
// has UseDateTime set; a parameter of type time.Time receives the parsed
// time either way. A DateTime result is sent as it is.
type DateTime string

// dateTimeLayout is the layout XML-RPC's specification and Python use.
const dateTimeLayout = "20060102T15:04:05"

// dateTimeLayouts are the layouts Time accepts, the specification's first,
// then the ISO 8601 forms other clients send.
var dateTimeLayouts = [...]string{
	dateTimeLayout,
	"2006-01-02T15:04:05",
	"20060102T150405",
	time.RFC3339Nano,
	"20060102T15:04:05Z07:00",
}

// Time parses the value. A value without a zone (the specification's
// 20060102T15:04:05, and 2006-01-02T15:04:05 or 20060102T150405) is read
// as UTC; RFC 3339 values keep their offset.
func (d DateTime) Time() (time.Time, error) {
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, string(d)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad dateTime.iso8601 value %q", string(d))
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	dateTimeType = reflect.TypeFor[DateTime]()
)

// typeName returns the XML-RPC name of the type Go type t is sent as, or
// "" when values of t may be sent as more than one (an interface) or none.
func typeName(t reflect.Type) string {
	switch t {
	case timeType, dateTimeType:
		return "dateTime.iso8601"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "double"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "struct"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return ""
}

// valueName returns the XML-RPC name of a decoded value's type, for
// messages.
func valueName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case int:
		return "int"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		return "double"
	case DateTime, time.Time:
		return "dateTime.iso8601"
	case []byte:
		return "base64"
	case []any:
		return "array"
	case map[string]any:
		return "struct"
	}
	return reflect.TypeOf(v).String()
}

// A field is a struct field as an XML-RPC struct member.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

// structFields returns the members a struct type is sent as and received
// from: its exported fields in order, named by an `xmlrpc:"name"` tag or
// else by the field's name, with the tag's ",omitempty" leaving a zero
// field out and "-" leaving it out always. The fields of an untagged
// embedded struct are members of the outer struct, as with encoding/json.
func structFields(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("xmlrpc")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for _, inner := range structFields(f.Type) {
				inner.index = append([]int{i}, inner.index...)
				fields = append(fields, inner)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, field{name: name, index: []int{i}, omitEmpty: opts == "omitempty"})
	}
	return fields
}

// receivable reports whether some XML-RPC value converts to type t: false
// for channels, functions, complex numbers, uintptrs, unsafe pointers, and
// containers of them. It looks a few levels deep, which is enough for a
// check made at registration (a type such as type L []L has no bottom).
func receivable(t reflect.Type) bool {
	for range 8 {
		switch t.Kind() {
		case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer, reflect.Uintptr:
			return false
		case reflect.Map:
			if t.Key().Kind() != reflect.String {
				return false
			}
			t = t.Elem()
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return true
		}
	}
	return true
}
