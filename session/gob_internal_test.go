package session

import (
	"bytes"
	"reflect"
	"sync"
	"testing"
	"time"
)

type gobFlat struct{ N int }

type gobDeep struct {
	Name  string
	Tags  []string
	Score map[string]int
	When  time.Time // a BinaryMarshaler: its bytes
	Inner struct{ A, B float64 }
	Next  *gobDeep
	skip  chan int //lint:ignore U1000 gob ignores unexported fields
}

type gobIface struct {
	V any
}

// TestGobCodecSameBytes: gobCodec makes the bytes GobCodec makes, each
// decodes the other's, again and again, and a type with an interface
// inside takes the plain way.
func TestGobCodecSameBytes(t *testing.T) {
	c := new(gobCodec)
	values := []any{
		gobFlat{}, gobFlat{N: 7}, gobFlat{N: -1 << 40},
		gobDeep{Name: "a", Tags: []string{"x", "y"}, Score: map[string]int{"k": 1}, When: time.Unix(1e9, 5).UTC(),
			Next: &gobDeep{Name: "b"}},
		gobDeep{},
		42, "text", []string{"a", "b"},
		gobIface{V: 3},
	}
	for range 3 {
		for _, v := range values {
			got, err := c.Marshal(v)
			if err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			want, err := GobCodec{}.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T %v: gobCodec made %x, GobCodec %x", v, v, got, want)
			}
			for _, data := range [][]byte{got, want} {
				p := reflect.New(reflect.TypeOf(v))
				if err := c.Unmarshal(data, p.Interface()); err != nil {
					t.Fatalf("%T: %v", v, err)
				}
				if !reflect.DeepEqual(p.Elem().Interface(), v) {
					t.Fatalf("decoded %v, want %v", p.Elem().Interface(), v)
				}
			}
		}
	}
	if gt := c.typeOf(reflect.TypeFor[gobIface]()); gt.prefix != nil {
		t.Error("a type with an interface inside is coded with a kept coder")
	}
	if gt := c.typeOf(reflect.TypeFor[gobDeep]()); gt.prefix == nil || gt.enc == nil || gt.dec == nil {
		t.Error("gobDeep is not coded with kept coders")
	}
}

// TestGobCodecBadData: corrupt data is an error, and the next decode still
// works; data that describes another type takes the plain way.
func TestGobCodecBadData(t *testing.T) {
	c := new(gobCodec)
	good, _ := c.Marshal(gobFlat{N: 3})
	var v gobFlat
	if err := c.Unmarshal(good[:len(good)-1], &v); err == nil {
		t.Error("truncated data decoded")
	}
	if err := c.Unmarshal(append(bytes.Clone(good), 0), &v); err == nil {
		t.Error("data with a trailing byte decoded")
	}
	if err := c.Unmarshal(good, &v); err != nil || v.N != 3 {
		t.Errorf("after bad data: %v, %v", v, err)
	}
	type other struct{ N, M int }
	otherData, _ := GobCodec{}.Marshal(other{N: 4, M: 5})
	v = gobFlat{}
	if err := c.Unmarshal(otherData, &v); err != nil || v.N != 4 {
		t.Errorf("another description: %v, %v", v, err)
	}
}

// TestGobCodecConcurrent is for -race: concurrent coders of one type.
func TestGobCodecConcurrent(t *testing.T) {
	c := new(gobCodec)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				data, err := c.Marshal(gobFlat{N: g*1000 + i})
				if err != nil {
					t.Error(err)
					return
				}
				var v gobFlat
				if err := c.Unmarshal(data, &v); err != nil || v.N != g*1000+i {
					t.Errorf("decoded %v (%v), want %d", v, err, g*1000+i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkGobCodec(b *testing.B) {
	for _, name := range []string{"GobCodec", "gobCodec"} {
		var c Codec = GobCodec{}
		if name == "gobCodec" {
			c = new(gobCodec)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				data, err := c.Marshal(gobFlat{N: i})
				if err != nil {
					b.Fatal(err)
				}
				var v gobFlat
				if err := c.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
