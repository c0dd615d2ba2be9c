package request

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// deadlineWriter is a ResponseWriter whose server takes read deadlines, as
// net/http's does, on the connection the body comes from.
type deadlineWriter struct {
	*httptest.ResponseRecorder
	conn net.Conn

	mu        sync.Mutex
	deadlines []time.Time // every deadline set, in order
}

func (w *deadlineWriter) SetReadDeadline(t time.Time) error {
	w.mu.Lock()
	w.deadlines = append(w.deadlines, t)
	w.mu.Unlock()
	return w.conn.SetReadDeadline(t)
}

func (w *deadlineWriter) lastDeadline() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deadlines[len(w.deadlines)-1]
}

// idleCase sets up a PUT whose body the client (send) writes to w, read by
// a Request whose server takes read deadlines (deadlines) or not.
func idleCase(t *testing.T, deadlines bool) (r *Request, client io.WriteCloser, dw *deadlineWriter) {
	var body io.ReadCloser
	var w http.ResponseWriter = httptest.NewRecorder()
	if deadlines {
		server, c := net.Pipe()
		dw = &deadlineWriter{ResponseRecorder: httptest.NewRecorder(), conn: server}
		body, client, w = server, c, dw
	} else {
		body, client = io.Pipe()
	}
	hr := httptest.NewRequest("PUT", "/", body)
	hr.ContentLength = -1
	t.Cleanup(func() { client.Close(); body.Close() })
	return New(w, hr, &Config{BodyIdleTimeout: time.Minute}), client, dw
}

func TestBodyIdleTimeout(t *testing.T) {
	for _, deadlines := range []bool{true, false} {
		name := map[bool]string{true: "deadline", false: "timer"}[deadlines]
		t.Run(name+"/silent client cut", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, client, _ := idleCase(t, deadlines)
				go func() {
					client.Write([]byte("a few bytes, then nothing"))
				}()
				start := time.Now()
				_, err := r.Content()
				var se *StatusError
				if !errors.As(err, &se) || se.Code != http.StatusRequestTimeout || !errors.Is(err, ErrBodyTimeout) {
					t.Fatalf("Content: %v, want a 408 ErrBodyTimeout", err)
				}
				if d := time.Since(start); d != time.Minute {
					t.Errorf("cut after %v, want 1m of silence", d)
				}
			})
		})
		t.Run(name+"/slow steady upload kept", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, client, dw := idleCase(t, deadlines)
				go func() {
					// One byte every 59 s for an hour: never a minute of silence.
					for range 61 {
						client.Write([]byte("x"))
						time.Sleep(59 * time.Second)
					}
					client.Close()
				}()
				b, err := r.Content()
				if err != nil || len(b) != 61 {
					t.Fatalf("Content: %d bytes, %v", len(b), err)
				}
				// No deadline is left behind once the body is read.
				if dw != nil && !dw.lastDeadline().IsZero() {
					t.Errorf("deadline left: %v", dw.lastDeadline())
				}
			})
		})
	}
}

// After a timeout, the deadline stays in the past, so that the server's
// next read of the connection fails at once.
func TestBodyIdleTimeoutLeavesConnectionCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, _, dw := idleCase(t, true)
		r.Content()
		if d := dw.lastDeadline(); d.IsZero() || d.After(time.Now()) {
			t.Errorf("deadline after the timeout: %v", d)
		}
	})
}

func TestBodyIdleTimeoutOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server, client := io.Pipe()
		hr := httptest.NewRequest("PUT", "/", server)
		r := New(httptest.NewRecorder(), hr, &Config{BodyIdleTimeout: -1})
		go func() {
			time.Sleep(24 * time.Hour)
			client.Write([]byte("late"))
			client.Close()
		}()
		if b, err := r.Content(); err != nil || string(b) != "late" {
			t.Errorf("Content: %q, %v", b, err)
		}
	})
}

// Body, the stream a mounted handler or proxy reads, is cut as Content is,
// streams a steady body whole, and stops touching the server once the
// response has ended.
func TestBodyStream(t *testing.T) {
	for _, deadlines := range []bool{true, false} {
		name := map[bool]string{true: "deadline", false: "timer"}[deadlines]
		t.Run(name+"/silent client cut", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, client, _ := idleCase(t, deadlines)
				go client.Write([]byte("a few bytes, then nothing"))
				body := r.Body()
				if r.Body() != body {
					t.Error("a second call of Body returned another reader")
				}
				start := time.Now()
				b, err := io.ReadAll(body)
				var se *StatusError
				if !errors.As(err, &se) || se.Code != http.StatusRequestTimeout || !errors.Is(err, ErrBodyTimeout) {
					t.Fatalf("reading Body: %q, %v, want a 408 ErrBodyTimeout", b, err)
				}
				if d := time.Since(start); d != time.Minute || string(b) != "a few bytes, then nothing" {
					t.Errorf("cut after %v with %q, want 1m of silence after the bytes sent", d, b)
				}
			})
		})
		t.Run(name+"/steady body whole", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, client, dw := idleCase(t, deadlines)
				go func() {
					for range 3 {
						client.Write([]byte("x"))
						time.Sleep(59 * time.Second)
					}
					client.Close()
				}()
				b, err := io.ReadAll(r.Body())
				if err != nil || string(b) != "xxx" {
					t.Fatalf("reading Body: %q, %v", b, err)
				}
				if dw != nil && !dw.lastDeadline().IsZero() {
					t.Errorf("deadline left: %v", dw.lastDeadline())
				}
			})
		})
		t.Run(name+"/ended response", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, client, dw := idleCase(t, deadlines)
				body := r.Body()
				r.Finish()
				set := 0
				if dw != nil {
					set = len(dw.deadlines)
				}
				go client.Write([]byte("late"))
				if n, err := body.Read(make([]byte, 8)); n != 0 || !errors.Is(err, http.ErrBodyReadAfterClose) {
					t.Errorf("read after the end: %d, %v, want ErrBodyReadAfterClose", n, err)
				}
				if dw != nil && len(dw.deadlines) != set {
					t.Error("a read after the end set a deadline on the server's connection")
				}
			})
		})
	}
}

// A response that ended before anything needed the body: Body, asked
// afterwards, and Content too, touch the server no more.
func TestBodyAfterTheEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, client, dw := idleCase(t, true)
		r.FinishWith(nil) // the plain synchronous path
		go client.Write([]byte("late"))
		if n, err := r.Body().Read(make([]byte, 8)); n != 0 || !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Body after the end: %d, %v, want ErrBodyReadAfterClose", n, err)
		}
		if _, err := r.Content(); !errors.Is(err, ErrFinished) {
			t.Errorf("Content after the end: %v, want ErrFinished", err)
		}
		dw.mu.Lock()
		defer dw.mu.Unlock()
		if len(dw.deadlines) != 0 {
			t.Errorf("deadlines set after the end: %v", dw.deadlines)
		}
	})
}

func TestBodyStreamOff(t *testing.T) {
	server, client := io.Pipe()
	defer client.Close()
	hr := httptest.NewRequest("PUT", "/", server)
	r := New(httptest.NewRecorder(), hr, &Config{BodyIdleTimeout: -1})
	if r.Body() != hr.Body {
		t.Error("with no timeout, Body is not net/http's body as it is")
	}
	noBody := New(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
	if noBody.Body() != http.NoBody {
		t.Error("a request without a body: Body is not http.NoBody")
	}
}
