package request

import (
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestSpool(t *testing.T) {
	body := strings.Repeat("0123456789abcdef", 1000) // 16,000 bytes
	tests := []struct {
		name      string
		threshold int64
		length    int64 // the declared Content-Length; -1: chunked
		spooled   bool
	}{
		{"small, in memory", 16000, 16000, false},
		{"small chunked, in memory", 16000, -1, false},
		{"over the threshold", 15999, 16000, true},
		{"chunked over the threshold", 15999, -1, true},
		{"never spooled", -1, 16000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr := httptest.NewRequest("PUT", "/", strings.NewReader(body))
			hr.ContentLength = tt.length
			r := New(httptest.NewRecorder(), hr, &Config{SpoolThreshold: tt.threshold})
			cr, err := r.ContentReader()
			if err != nil {
				t.Fatal(err)
			}
			if cr.Size() != int64(len(body)) {
				t.Errorf("Size = %d", cr.Size())
			}
			got, err := io.ReadAll(cr)
			if err != nil || string(got) != body {
				t.Fatalf("ContentReader read %d bytes, %v", len(got), err)
			}
			// It seeks, and each call gives a reader of its own.
			cr.Seek(-6, io.SeekEnd)
			cr2, _ := r.ContentReader()
			tail, _ := io.ReadAll(cr)
			head := make([]byte, 4)
			io.ReadFull(cr2, head)
			if string(tail) != "abcdef" || string(head) != "0123" {
				t.Errorf("after Seek: %q; new reader: %q", tail, head)
			}
			if b, err := r.Content(); err != nil || string(b) != body {
				t.Errorf("Content: %d bytes, %v", len(b), err)
			}

			r.lazy.Lock()
			f := r.store.file
			r.lazy.Unlock()
			if (f != nil) != tt.spooled {
				t.Fatalf("spooled = %v, want %v", f != nil, tt.spooled)
			}
			if f == nil {
				return
			}
			// The file has no name in its directory.
			if _, err := os.Stat(f.Name()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the spool file %s is still there: %v", f.Name(), err)
			}
			// It is closed when the response ends; Content keeps its copy.
			r.Finish()
			if _, err := cr2.Read(head); !errors.Is(err, os.ErrClosed) {
				t.Errorf("read after Finish: %v, want os.ErrClosed", err)
			}
			if b, err := r.Content(); err != nil || string(b) != body {
				t.Errorf("Content after Finish: %d bytes, %v", len(b), err)
			}
		})
	}
}

// A body first read after the response ended is not spooled.
func TestSpoolAfterEnd(t *testing.T) {
	hr := httptest.NewRequest("PUT", "/", strings.NewReader("0123456789"))
	r := New(httptest.NewRecorder(), hr, &Config{SpoolThreshold: 4})
	r.Abort(ErrGone)
	if _, err := r.Content(); !errors.Is(err, ErrFinished) {
		t.Errorf("Content after Abort: %v", err)
	}
}

func TestContentLimits(t *testing.T) {
	for _, tt := range []struct {
		max, threshold int64
		length         int64
		err            error
	}{
		{10, 4, 10, nil},
		{10, 4, -1, nil},
		{9, 4, 10, ErrBodyTooLarge},
		{9, 4, -1, ErrBodyTooLarge}, // found while spooling
		{9, 100, -1, ErrBodyTooLarge},
		{-1, 4, -1, nil},
	} {
		hr := httptest.NewRequest("PUT", "/", strings.NewReader("0123456789"))
		hr.ContentLength = tt.length
		r := New(httptest.NewRecorder(), hr, &Config{MaxBodySize: tt.max, SpoolThreshold: tt.threshold})
		b, err := r.Content()
		if !errors.Is(err, tt.err) || err == nil && string(b) != "0123456789" {
			t.Errorf("%+v: %q, %v", tt, b, err)
		}
		r.Finish()
	}
}

// A body cut short is the client's fault: 400.
func TestContentCutShort(t *testing.T) {
	for _, threshold := range []int64{100, 4} {
		hr := httptest.NewRequest("PUT", "/", io.MultiReader(strings.NewReader("012345"), iotestErr{}))
		hr.ContentLength = -1
		r := New(httptest.NewRecorder(), hr, &Config{SpoolThreshold: threshold})
		_, err := r.ContentReader()
		var se *StatusError
		if !errors.As(err, &se) || se.Code != 400 || !errors.Is(err, ErrMalformedBody) {
			t.Errorf("threshold %d: %v", threshold, err)
		}
		r.Finish()
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// A body's buffer grows with the bytes that arrive, not with the length
// announced: a client that declares a large Content-Length and sends a few
// bytes (or none, and waits) must not make the server allocate that length.
func TestContentAnnouncedLength(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		cl   int64
	}{
		{"under the spool threshold", Config{}, DefaultSpoolThreshold},
		{"no spooling", Config{SpoolThreshold: -1}, DefaultMaxBodySize},
		{"no limits", Config{SpoolThreshold: -1, MaxBodySize: -1}, 1 << 40},
		{"no limits, the largest length", Config{SpoolThreshold: -1, MaxBodySize: -1}, math.MaxInt64},
	}
	for _, tt := range tests {
		hr := httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
		hr.ContentLength = tt.cl
		r := New(httptest.NewRecorder(), hr, &tt.cfg)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		body, err := r.Content()
		runtime.ReadMemStats(&after)
		if err != nil || string(body) != "0123456789" {
			t.Errorf("%s: Content() = %q, %v", tt.name, body, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
			t.Errorf("%s: allocated %d B for 10 B of a body announced as %d B", tt.name, alloc, tt.cl)
		}
		r.Finish()
	}
}
