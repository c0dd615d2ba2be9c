package request

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// brokenWriter is a ResponseWriter whose connection fails with err.
type brokenWriter struct {
	*httptest.ResponseRecorder
	err error
}

func (b brokenWriter) Write([]byte) (int, error) { return 0, b.err }

func TestWriteFailureAbandons(t *testing.T) {
	broken := &deadConnError{syscall.EPIPE}
	for _, finishWith := range []bool{false, true} {
		r := New(brokenWriter{httptest.NewRecorder(), broken}, httptest.NewRequest("GET", "/", nil), nil)
		notify := r.NotifyFinish()
		var err error
		if finishWith {
			err = r.FinishWith([]byte("body")) // must not end the response twice
		} else {
			_, err = r.Write([]byte("body"))
		}
		if !errors.Is(err, ErrGone) {
			t.Errorf("finishWith=%v: error %v, want ErrGone", finishWith, err)
		}
		if got := <-notify; !errors.Is(got, ErrGone) {
			t.Errorf("NotifyFinish: %v", got)
		}
		if _, err := r.Write([]byte("more")); !errors.Is(err, ErrGone) {
			t.Errorf("later Write: %v", err)
		}
		if err := r.Finish(); !errors.Is(err, ErrGone) {
			t.Errorf("Finish: %v", err)
		}
		r.Abort(ErrClosed) // no effect, no panic
		if got := <-r.NotifyFinish(); !errors.Is(got, ErrGone) {
			t.Errorf("NotifyFinish after Abort(ErrClosed): %v, want ErrGone", got)
		}
	}
}

// deadConnError stands for the error a dead connection gives.
type deadConnError struct{ errno syscall.Errno }

func (e *deadConnError) Error() string { return "write: " + e.errno.Error() }
func (e *deadConnError) Unwrap() error { return e.errno }

func TestWriteBodyNotAllowedIsNotGone(t *testing.T) {
	r := New(brokenWriter{httptest.NewRecorder(), http.ErrBodyNotAllowed}, httptest.NewRequest("GET", "/", nil), nil)
	if _, err := r.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
		t.Errorf("Write: %v", err)
	}
	select {
	case err := <-r.NotifyFinish():
		t.Errorf("a refused body ended the response: %v", err)
	default:
	}
	if err := r.Finish(); err != nil {
		t.Errorf("Finish: %v", err)
	}
}

func TestDefaultContentType(t *testing.T) {
	tests := []struct {
		name  string
		do    func(r *Request)
		ctype []string
	}{
		{"body", func(r *Request) { r.FinishWith([]byte("x")) }, []string{"text/html"}},
		{"empty body", func(r *Request) { r.FinishWith(nil) }, nil},
		{"204", func(r *Request) { r.SetResponseCode(204); r.Finish() }, nil},
		{"304", func(r *Request) { r.SetResponseCode(304); r.Finish() }, nil},
		{"finish without body", func(r *Request) { r.Finish() }, []string{"text/html"}},
		{"redirect and finish", func(r *Request) { r.Redirect("/x"); r.Finish() }, []string{"text/html"}},
		{"explicit", func(r *Request) { r.SetHeader("Content-Type", "text/plain"); r.FinishWith(nil) }, []string{"text/plain"}},
		{"explicit on 304", func(r *Request) {
			r.SetHeader("Content-Type", "text/plain")
			r.SetResponseCode(304)
			r.FinishWith(nil)
		}, []string{"text/plain"}},
		{"nil means none", func(r *Request) { r.ResponseHeader()["Content-Type"] = nil; r.Write([]byte("x")); r.Finish() }, nil},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		tt.do(New(rec, httptest.NewRequest("GET", "/", nil), nil))
		if got := rec.Header()["Content-Type"]; len(got) != len(tt.ctype) || len(got) > 0 && got[0] != tt.ctype[0] {
			t.Errorf("%s: Content-Type %q, want %q", tt.name, got, tt.ctype)
		}
	}
}

func TestSetLastModified(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 3, 57, 29, 1, time.UTC)
	hr := httptest.NewRequest("GET", "/", nil)
	hr.Header.Set("If-Modified-Since", "Sun, 22 Nov 2026 03:57:30 GMT")
	rec := httptest.NewRecorder()
	r := New(rec, hr, nil)
	// Rounded up to the next second: :30, not modified since :30.
	if !r.SetLastModified(t0) || r.ResponseCode() != 304 {
		t.Errorf("rounded time: not 304 (code %d)", r.ResponseCode())
	}
	// An earlier time does not lower it.
	r.SetLastModified(t0.Add(-time.Hour))
	if got := rec.Header().Get("Last-Modified"); got != "Sun, 22 Nov 2026 03:57:30 GMT" {
		t.Errorf("Last-Modified %q", got)
	}
	// A later one wins, and the resource is modified again.
	r.SetResponseCode(200)
	if r.SetLastModified(t0.Add(time.Hour)) || r.ResponseCode() != 200 {
		t.Error("later time still not modified")
	}
	if got := rec.Header().Get("Last-Modified"); got != "Sun, 22 Nov 2026 04:57:30 GMT" {
		t.Errorf("Last-Modified %q", got)
	}
}

// TestSetResponseCodeRefusesInvalidCodes: a code net/http would refuse
// panics at SetResponseCode, not at a later Write (which may run on a
// goroutine that nothing recovers); the status is left as it was.
func TestSetResponseCodeRefusesInvalidCodes(t *testing.T) {
	for _, code := range []int{0, 99, 1000, -200} {
		r := New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetResponseCode(%d): no panic", code)
				}
			}()
			r.SetResponseCode(code)
		}()
		if got := r.ResponseCode(); got != 200 {
			t.Errorf("after SetResponseCode(%d): code %d, want 200", code, got)
		}
	}
	for _, code := range []int{100, 999} {
		r := New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
		r.SetResponseCode(code)
		if got := r.ResponseCode(); got != code {
			t.Errorf("SetResponseCode(%d): code %d", code, got)
		}
	}
}

// relay is a body filter's writer that hands what it is given to dst, its
// failures wrapped, at once, when flushed, or when closed (when).
type relay struct {
	dst  io.Writer
	when string
	held []byte
}

func (w *relay) Write(p []byte) (int, error) {
	w.held = append(w.held, p...)
	if w.when == "write" {
		return len(p), w.pass()
	}
	return len(p), nil
}

func (w *relay) Flush() error {
	if w.when == "flush" {
		return w.pass()
	}
	return nil
}

func (w *relay) Close() error { return w.pass() }

func (w *relay) pass() error {
	_, err := w.dst.Write(w.held)
	w.held = nil
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// TestWriteFailureUnderFilterIsGone: the connection that fails under a
// body filter's writer, which reports it, means the client went away, as
// without a filter (TestWriteFailureAbandons): ErrGone, and nothing
// logged as the filter's failure; on a Write, a flush (a streamed Write),
// or the Close at Finish.
func TestWriteFailureUnderFilterIsGone(t *testing.T) {
	for _, when := range []string{"write", "flush", "close"} {
		t.Run(when, func(t *testing.T) {
			var log bytes.Buffer
			cfg := &Config{Logger: slog.New(slog.NewTextHandler(&log, nil))}
			broken := &deadConnError{syscall.EPIPE}
			r := New(brokenWriter{httptest.NewRecorder(), broken}, httptest.NewRequest("GET", "/", nil), cfg)
			r.SetBodyFilter(func(_ http.Header, _ int, dst io.Writer) io.WriteCloser { return &relay{dst: dst, when: when} })
			if when == "flush" {
				r.Stream()
			}
			notify := r.NotifyFinish()
			_, err := r.Write([]byte("body"))
			if when == "close" {
				if err != nil {
					t.Fatalf("Write: %v", err)
				}
				err = r.Finish()
			}
			if !errors.Is(err, ErrGone) {
				t.Errorf("error %v, want ErrGone", err)
			}
			if got := <-notify; !errors.Is(got, ErrGone) {
				t.Errorf("NotifyFinish: %v, want ErrGone", got)
			}
			if log.Len() > 0 {
				t.Errorf("logged: %s", log.String())
			}
		})
	}
}
