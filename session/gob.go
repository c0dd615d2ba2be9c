package session

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"errors"
	"reflect"
	"sync"
)

// gobCodec is what a Manager uses for GobCodec: the same bytes, made
// faster. A gob stream describes each type once, before its first value,
// and a fresh Encoder or Decoder compiles its engine for the type each
// time, which costs more than the coding itself for a small component
// (BenchmarkIncrement in package redisstore). So for each type that holds
// no interface (whose description does not depend on the value), gobCodec
// keeps one Encoder that has sent the description, and one Decoder that
// has read it: a component is then the description, as a fresh Encoder
// sends it, followed by the value message the kept Encoder makes, and a
// stored component that starts with that description is decoded by the
// kept Decoder from the value message on. Anything else (a type with an
// interface inside, a description made by another version of the type, a
// kept coder busy in another goroutine) takes GobCodec's plain way.
type gobCodec struct {
	types sync.Map // reflect.Type -> *gobType
}

type gobType struct {
	prefix []byte // the description a fresh Encoder sends first; nil: no reuse

	encMu  sync.Mutex
	enc    *gob.Encoder // has sent the description into encBuf; nil after an error
	encBuf bytes.Buffer

	decMu  sync.Mutex
	dec    *gob.Decoder // has read the description from decSrc; nil after an error
	decSrc *bytes.Reader
}

var errGobPrefix = errors.New("session: gob description not found")

// typeOf returns the coding state of t, preparing it on first use.
func (c *gobCodec) typeOf(t reflect.Type) *gobType {
	if gt, ok := c.types.Load(t); ok {
		return gt.(*gobType)
	}
	gt := new(gobType)
	if !hasInterface(t, map[reflect.Type]bool{}) {
		gt.prefix, _ = gobPrefix(t)
	}
	actual, _ := c.types.LoadOrStore(t, gt)
	return actual.(*gobType)
}

// gobPrefix returns the description a fresh Encoder sends before the first
// value of type t: what it sends for a zero value, less what it sends for
// a second one.
func gobPrefix(t reflect.Type) ([]byte, error) {
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	zero := reflect.New(t).Elem()
	if err := enc.EncodeValue(zero); err != nil {
		return nil, err
	}
	n := b.Len()
	if err := enc.EncodeValue(zero); err != nil {
		return nil, err
	}
	first, second := b.Bytes()[:n], b.Bytes()[n:]
	if !bytes.HasSuffix(first, second) || len(first) == len(second) {
		return nil, errGobPrefix
	}
	return bytes.Clone(first[:len(first)-len(second)]), nil
}

// Marshal encodes v as GobCodec does.
func (c *gobCodec) Marshal(v any) ([]byte, error) {
	t := reflect.TypeOf(v)
	if t == nil {
		return GobCodec{}.Marshal(v)
	}
	gt := c.typeOf(t)
	if gt.prefix == nil || !gt.encMu.TryLock() {
		return GobCodec{}.Marshal(v)
	}
	defer gt.encMu.Unlock()
	if gt.enc == nil {
		gt.encBuf.Reset()
		gt.enc = gob.NewEncoder(&gt.encBuf)
		if err := gt.enc.EncodeValue(reflect.New(t).Elem()); err != nil || !bytes.HasPrefix(gt.encBuf.Bytes(), gt.prefix) {
			gt.enc = nil
			return GobCodec{}.Marshal(v)
		}
	}
	gt.encBuf.Reset()
	if err := gt.enc.Encode(v); err != nil {
		gt.enc = nil
		return nil, err
	}
	out := make([]byte, 0, len(gt.prefix)+gt.encBuf.Len())
	out = append(out, gt.prefix...)
	return append(out, gt.encBuf.Bytes()...), nil
}

// Unmarshal decodes data into v, a pointer, as GobCodec does.
func (c *gobCodec) Unmarshal(data []byte, v any) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return GobCodec{}.Unmarshal(data, v)
	}
	gt := c.typeOf(t.Elem())
	if gt.prefix == nil || !bytes.HasPrefix(data, gt.prefix) || !gt.decMu.TryLock() {
		return GobCodec{}.Unmarshal(data, v)
	}
	defer gt.decMu.Unlock()
	if gt.dec == nil {
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).EncodeValue(reflect.New(t.Elem()).Elem()); err != nil {
			return GobCodec{}.Unmarshal(data, v)
		}
		gt.decSrc = bytes.NewReader(b.Bytes())
		gt.dec = gob.NewDecoder(gt.decSrc) // a bytes.Reader: no buffering
		if err := gt.dec.DecodeValue(reflect.New(t.Elem())); err != nil {
			gt.dec = nil
			return GobCodec{}.Unmarshal(data, v)
		}
	}
	gt.decSrc.Reset(data[len(gt.prefix):])
	if err := gt.dec.Decode(v); err != nil {
		gt.dec = nil // its state is unknown: start afresh next time
		return err
	}
	if gt.decSrc.Len() != 0 {
		gt.dec = nil
		return errors.New("gob: extra data after a component")
	}
	return nil
}

var (
	gobEncoderType   = reflect.TypeFor[gob.GobEncoder]()
	binMarshalerType = reflect.TypeFor[encoding.BinaryMarshaler]()
	txtMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// hasInterface reports whether a value of type t may hold an interface
// value as gob sees it: then the types it sends depend on the value.
func hasInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	for _, m := range []reflect.Type{gobEncoderType, binMarshalerType, txtMarshalerType} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return false // gob sends its bytes
		}
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return hasInterface(t.Elem(), seen)
	case reflect.Map:
		return hasInterface(t.Key(), seen) || hasInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && hasInterface(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
