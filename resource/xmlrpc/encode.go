package xmlrpc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The envelope of a response, after the XML declaration Python writes.
const (
	responseHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
	responseTail = "</param>\n</params>\n</methodResponse>\n"
	faultHead    = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n" +
		"<member>\n<name>faultCode</name>\n<value><int>"
	faultMiddle = "</int></value>\n</member>\n" +
		"<member>\n<name>faultString</name>\n<value><string>"
	faultTail = "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
)

// Errors of the encoder, in Python's words, so that the fault a client gets
// reads as Twisted's ("Can't serialize output: ...").
var (
	errNone     = errors.New("cannot marshal None unless allow_none is enabled")
	errIntRange = errors.New("int exceeds XML-RPC limits")
	errMapKey   = errors.New("dictionary key must be string")
)

// appendResponse appends a methodResponse carrying v to buf.
func appendResponse(buf []byte, v any, allowNone bool, maxDepth int) ([]byte, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	e := encoder{buf: append(buf, responseHead...), allowNone: allowNone, maxDepth: maxDepth}
	if err := e.value(v, 0); err != nil {
		return buf, err
	}
	return append(e.buf, responseTail...), nil
}

// appendFault appends a methodResponse carrying the fault to buf.
func appendFault(buf []byte, f *Fault) []byte {
	buf = append(buf, faultHead...)
	buf = strconv.AppendInt(buf, int64(f.Code), 10)
	buf = append(buf, faultMiddle...)
	buf = appendEscaped(buf, f.String)
	return append(buf, faultTail...)
}

// An encoder appends XML-RPC values to buf.
type encoder struct {
	buf       []byte
	allowNone bool
	maxDepth  int
}

// value appends v, which is at the given depth of nesting. The common
// dynamic types go without reflection.
func (e *encoder) value(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		return e.none()
	case string:
		e.str(x)
	case int:
		return e.int(int64(x))
	case bool:
		e.bool(x)
	case float64:
		e.double(x)
	case []any:
		if depth >= e.maxDepth {
			return errTooDeep(e.maxDepth)
		}
		e.buf = append(e.buf, "<value><array><data>\n"...)
		for _, el := range x {
			if err := e.value(el, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, "</data></array></value>\n"...)
	case map[string]any:
		if depth >= e.maxDepth {
			return errTooDeep(e.maxDepth)
		}
		e.buf = append(e.buf, "<value><struct>\n"...)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e.member(k)
			if err := e.value(x[k], depth+1); err != nil {
				return err
			}
			e.buf = append(e.buf, "</member>\n"...)
		}
		e.buf = append(e.buf, "</struct></value>\n"...)
	default:
		return e.reflect(reflect.ValueOf(v), depth)
	}
	return nil
}

// reflect appends any other value by its kind, as the package doc says.
func (e *encoder) reflect(v reflect.Value, depth int) error {
	if !v.IsValid() {
		return e.none()
	}
	switch v.Type() {
	case timeType:
		e.dateTime(v.Interface().(time.Time).Format(dateTimeLayout))
		return nil
	case dateTimeType:
		e.dateTime(v.String())
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return e.none()
		}
		return e.reflect(v.Elem(), depth)
	case reflect.String:
		e.str(v.String())
	case reflect.Bool:
		e.bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() > math.MaxInt32 {
			return errIntRange
		}
		return e.int(int64(v.Uint()))
	case reflect.Float32, reflect.Float64:
		e.double(v.Float())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			e.buf = append(e.buf, "<value><base64>"...)
			e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
			e.buf = append(e.buf, "</base64></value>\n"...)
			return nil
		}
		if depth >= e.maxDepth {
			return errTooDeep(e.maxDepth)
		}
		e.buf = append(e.buf, "<value><array><data>\n"...)
		for i := range v.Len() {
			if err := e.reflect(v.Index(i), depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, "</data></array></value>\n"...)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return errMapKey
		}
		if depth >= e.maxDepth {
			return errTooDeep(e.maxDepth)
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		e.buf = append(e.buf, "<value><struct>\n"...)
		for _, k := range keys {
			e.member(k.String())
			if err := e.reflect(v.MapIndex(k), depth+1); err != nil {
				return err
			}
			e.buf = append(e.buf, "</member>\n"...)
		}
		e.buf = append(e.buf, "</struct></value>\n"...)
	case reflect.Struct:
		if depth >= e.maxDepth {
			return errTooDeep(e.maxDepth)
		}
		e.buf = append(e.buf, "<value><struct>\n"...)
		for _, f := range structFields(v.Type()) {
			fv := v.FieldByIndex(f.index)
			if f.omitEmpty && fv.IsZero() {
				continue
			}
			e.member(f.name)
			if err := e.reflect(fv, depth+1); err != nil {
				return err
			}
			e.buf = append(e.buf, "</member>\n"...)
		}
		e.buf = append(e.buf, "</struct></value>\n"...)
	default:
		return fmt.Errorf("cannot marshal %s objects", v.Type())
	}
	return nil
}

func (e *encoder) none() error {
	if !e.allowNone {
		return errNone
	}
	e.buf = append(e.buf, "<value><nil/></value>\n"...)
	return nil
}

func (e *encoder) str(s string) {
	e.buf = append(e.buf, "<value><string>"...)
	e.buf = appendEscaped(e.buf, s)
	e.buf = append(e.buf, "</string></value>\n"...)
}

// int appends an <int>, which XML-RPC makes 32 bits wide; like Python,
// the encoder refuses larger values rather than send the i8 extension.
func (e *encoder) int(n int64) error {
	if n > math.MaxInt32 || n < math.MinInt32 {
		return errIntRange
	}
	e.buf = append(e.buf, "<value><int>"...)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.buf = append(e.buf, "</int></value>\n"...)
	return nil
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, "<value><boolean>1</boolean></value>\n"...)
	} else {
		e.buf = append(e.buf, "<value><boolean>0</boolean></value>\n"...)
	}
}

// double appends a <double> written as Python's repr writes a float: plain
// decimals with at least one fractional digit between 1e-4 and 1e16,
// exponent notation outside, and nan, inf and -inf.
func (e *encoder) double(f float64) {
	e.buf = append(e.buf, "<value><double>"...)
	switch a := math.Abs(f); {
	case math.IsNaN(f):
		e.buf = append(e.buf, "nan"...)
	case math.IsInf(f, 0):
		if f < 0 {
			e.buf = append(e.buf, '-')
		}
		e.buf = append(e.buf, "inf"...)
	case a != 0 && (a < 1e-4 || a >= 1e16):
		e.buf = strconv.AppendFloat(e.buf, f, 'e', -1, 64)
	default:
		start := len(e.buf)
		e.buf = strconv.AppendFloat(e.buf, f, 'f', -1, 64)
		if !slices.Contains(e.buf[start:], '.') {
			e.buf = append(e.buf, ".0"...)
		}
	}
	e.buf = append(e.buf, "</double></value>\n"...)
}

func (e *encoder) dateTime(s string) {
	e.buf = append(e.buf, "<value><dateTime.iso8601>"...)
	e.buf = appendEscaped(e.buf, s)
	e.buf = append(e.buf, "</dateTime.iso8601></value>\n"...)
}

func (e *encoder) member(name string) {
	e.buf = append(e.buf, "<member>\n<name>"...)
	e.buf = appendEscaped(e.buf, name)
	e.buf = append(e.buf, "</name>\n"...)
}

// appendEscaped appends s as XML character data. Like Python it escapes
// &, < and >; it also escapes \r, which an XML parser would otherwise turn
// into \n, and writes U+FFFD for what XML cannot carry at all (control
// characters other than tab and newline, U+FFFE, U+FFFF and invalid
// UTF-8), where Python would send a document no parser accepts.
func appendEscaped(buf []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' || c == '\n' || c == '\t' {
			i++
			continue
		}
		var esc string
		width := 1
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#13;"
		default:
			if c >= utf8.RuneSelf {
				var r rune
				r, width = utf8.DecodeRuneInString(s[i:])
				if (r != utf8.RuneError || width > 1) && r != 0xFFFE && r != 0xFFFF {
					i += width
					continue
				}
			}
			esc = "\uFFFD"
		}
		buf = append(buf, s[last:i]...)
		buf = append(buf, esc...)
		i += width
		last = i
	}
	return append(buf, s[last:]...)
}
