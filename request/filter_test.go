package request_test

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// upper is a body filter's writer: it upper-cases what it is given, counts
// the flushes that follow a write, and ends the body with "!" and the count
// when closed; or fails to close if failClose, or fails to write after
// half of what it is given if failWrite (from its second Write on if
// failSecond).
type upper struct {
	dst                              io.Writer
	written                          bool // since the last flush
	flushes, writes                  int
	failClose, failWrite, failSecond bool
}

func (u *upper) Write(p []byte) (int, error) {
	u.written = true
	u.writes++
	if u.failWrite || u.failSecond && u.writes > 1 {
		n, _ := u.dst.Write([]byte(strings.ToUpper(string(p[:len(p)/2]))))
		return n, errors.New("filter write failed")
	}
	return u.dst.Write([]byte(strings.ToUpper(string(p))))
}

func (u *upper) Flush() error {
	if u.written {
		u.flushes++
	}
	u.written = false
	return nil
}

func (u *upper) Close() error {
	if u.failClose {
		return errors.New("filter close failed")
	}
	_, err := io.WriteString(u.dst, "!"+strconv.Itoa(u.flushes))
	return err
}

// filtered renders "hello" through a body filter chosen by its first
// postpath segment.
var filtered = testutil.Func(func(r *request.Request) ([]byte, error) {
	how := r.Postpath()[0]
	filter := func(h http.Header, code int, dst io.Writer) io.WriteCloser {
		h.Set("X-Filtered", strconv.Itoa(code))
		if how == "nil" {
			return nil // the body is left alone
		}
		return &upper{dst: dst, failClose: how == "failclose", failWrite: how == "failwrite"}
	}
	switch how {
	case "late":
		r.Write([]byte("hel"))
		r.SetBodyFilter(filter) // the headers went out: too late
		return []byte("lo"), nil
	case "async":
		r.SetBodyFilter(filter)
		r.Stream() // the writes below stream even if made before NotDoneYet is returned
		go func() {
			r.Write([]byte("hel"))
			r.Write([]byte("lo"))
			r.Finish()
		}()
		return nil, resource.NotDoneYet
	case "partial":
		r.SetBodyFilter(filter)
		r.Write([]byte("hel")) // the headers went out: the rest goes through the filter's writer
		return []byte("lo"), nil
	case "204":
		r.SetBodyFilter(filter)
		r.SetResponseCode(204)
		return []byte("hello"), nil
	}
	r.SetBodyFilter(filter)
	r.SetResponseCode(201)
	return []byte("hello"), nil
})

func TestSetBodyFilter(t *testing.T) {
	var log testutil.SyncBuffer
	_, srv := testutil.Serve(t, filtered, testutil.LogTo(&log))
	// A body known in full (a render's result) is filtered before the
	// headers go out, which declare its filtered length; a HEAD response
	// has no body to filter, so the filter removes its Content-Length.
	tests := []struct {
		method, path string
		code         int
		body         string
		length       int64  // the Content-Length, -1 for none; 0 is not checked
		filtered     string // the X-Filtered header: the status the filter saw
	}{
		{"GET", "/upper", 201, "HELLO!0", 7, "201"},
		{"HEAD", "/upper", 201, "", -1, "201"},
		{"GET", "/nil", 201, "hello", 5, "201"},
		{"HEAD", "/nil", 201, "", 5, "201"},
		{"GET", "/late", 200, "hello", 0, ""},
		{"GET", "/partial", 200, "HELLO!0", 0, "200"},
		{"GET", "/async", 200, "HELLO!2", -1, "200"}, // each async Write flushes the filter
		{"GET", "/204", 204, "", 0, "204"},           // no Content-Length at all: below
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := testutil.Do(t, srv, tt.method, tt.path, nil)
			if resp.StatusCode != tt.code || body != tt.body || tt.length != 0 && resp.ContentLength != tt.length ||
				resp.Header.Get("X-Filtered") != tt.filtered {
				t.Errorf("%d %q length %d X-Filtered %q; want %d %q %d %q", resp.StatusCode, body,
					resp.ContentLength, resp.Header.Get("X-Filtered"), tt.code, tt.body, tt.length, tt.filtered)
			}
			if cl, ok := resp.Header["Content-Length"]; ok && !bodyAllowed(tt.code) {
				t.Errorf("Content-Length %q on a %d", cl, tt.code)
			}
		})
	}
	// The 204's filter writes when closed, and the server refuses: a
	// status without a body is not a failure of the filter.
	if log.String() != "" {
		t.Errorf("logged: %s", log.String())
	}
}

// TestBodyFilterFailure: when the filter's writer fails on a body known in
// full, what it made is not the whole body; nothing went out yet, and the
// client must not be sent that part as a whole response (declared with its
// length): the response is abandoned, the connection cut (over HTTP/2 the
// stream reset), and the failure logged once.
func TestBodyFilterFailure(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		for _, how := range []string{"failwrite", "failclose"} {
			t.Run(protoName[h2]+"/"+how, func(t *testing.T) {
				checkFilterFailure(t, h2, filtered, "/"+how, failureLogged[how])
			})
		}
	}
}

var (
	protoName     = map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}
	failureLogged = map[string]string{"failwrite": "filter write failed", "failsecond": "filter write failed", "failclose": "filter close failed"}
)

// checkFilterFailure serves root over HTTP/1.1, or HTTP/2 if h2, fetches
// path, and checks that the client does not take what it gets for a whole
// response, and that the failure, whose error says what, is logged once.
func checkFilterFailure(t *testing.T, h2 bool, root resource.Resource, path, what string) {
	t.Helper()
	var log testutil.SyncBuffer
	serve := testutil.Serve
	if h2 {
		serve = testutil.ServeHTTP2
	}
	_, srv := serve(t, root, testutil.LogTo(&log))
	resp, err := srv.Client().Do(testutil.NewRequest(t, "GET", srv.URL+path, nil))
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("%s %d %q (Content-Length %d): a truncated body taken for a whole one",
				resp.Proto, resp.StatusCode, body, resp.ContentLength)
		}
	}
	srv.Close() // the handler has returned: the log is complete
	if n := strings.Count(log.String(), what); n != 1 {
		t.Errorf("the failure logged %d times, want once: %s", n, log.String())
	}
}

// TestStreamedBodyFilterFailure: when the filter's writer fails on a
// streamed body (an asynchronous resource's Writes, after the headers went
// out), the client has part of the body: it must not take it for the whole
// (a chunked body ended, or an HTTP/2 stream ended with END_STREAM). The
// response is abandoned with the failure, not as if the client had gone:
// the connection is cut (over HTTP/2 the stream reset), NotifyFinish says
// why, and the failure is logged once. The filter fails on its Write, or
// on its Close at Finish.
func TestStreamedBodyFilterFailure(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		for _, how := range []string{"failsecond", "failclose"} {
			t.Run(protoName[h2]+"/"+how, func(t *testing.T) {
				ends := make(chan error, 1)
				writes := make(chan error, 3)
				async := testutil.Func(func(r *request.Request) ([]byte, error) {
					r.SetBodyFilter(func(h http.Header, code int, dst io.Writer) io.WriteCloser {
						return &upper{dst: dst, failSecond: how == "failsecond", failClose: how == "failclose"}
					})
					end := r.NotifyFinish()
					go func() {
						_, err := r.Write([]byte("hel"))
						writes <- err
						_, err = r.Write([]byte("lo"))
						writes <- err
						writes <- r.Finish()
						ends <- <-end
					}()
					return nil, resource.NotDoneYet
				})
				checkFilterFailure(t, h2, async, "/", failureLogged[how])
				end := testutil.Receive(t, ends, 10*time.Second, "the response never ended")
				if end == nil || errors.Is(end, request.ErrGone) {
					t.Errorf("NotifyFinish: %v, want the filter's failure", end)
				}
				var failed error // the first failure the resource was told of: its own
				for range 3 {
					if err := <-writes; err != nil && failed == nil {
						failed = err
					}
				}
				if failed == nil || !errors.Is(failed, end) {
					t.Errorf("the resource was told %v, want the failure NotifyFinish reports (%v)", failed, end)
				}
			})
		}
	}
}

// bodyAllowed reports whether a response with this status may have a body.
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// TestBodyFilterNoContentHTTP2: a filtered render's result on a status
// without a body gets no Content-Length over HTTP/2 either, whose server,
// unlike HTTP/1.1's, would send one it was given.
func TestBodyFilterNoContentHTTP2(t *testing.T) {
	_, srv := testutil.ServeHTTP2(t, filtered)
	resp, body := testutil.Send(t, srv.Client(), testutil.NewRequest(t, "GET", srv.URL+"/204", nil))
	if resp.ProtoMajor != 2 || resp.StatusCode != 204 || body != "" {
		t.Fatalf("%s %d %q", resp.Proto, resp.StatusCode, body)
	}
	if cl, ok := resp.Header["Content-Length"]; ok {
		t.Errorf("Content-Length %q on a 204", cl)
	}
}
