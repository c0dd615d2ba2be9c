package handler_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/site"
)

// echo answers with what the handler saw of its request.
var echo = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
	fmt.Fprintf(w, "path=%s raw=%s query=%s prefix=%s uri=%s",
		req.URL.Path, req.URL.EscapedPath(), req.URL.RawQuery, handler.Prefix(req), req.RequestURI)
})

func TestPaths(t *testing.T) {
	root := resource.New()
	root.PutChild("app", handler.New(echo))
	sub := resource.New()
	sub.PutChild("deep", handler.New(echo))
	root.PutChild("sub", sub)
	_, srv := testutil.Serve(t, root)

	tests := []struct {
		target, want string
	}{
		{"/app", "path=/ raw=/ query= prefix=/app uri=/app"},
		{"/app/", "path=/ raw=/ query= prefix=/app uri=/app/"},
		{"/app/hello", "path=/hello raw=/hello query= prefix=/app uri=/app/hello"},
		{"/app/a/b/", "path=/a/b/ raw=/a/b/ query= prefix=/app uri=/app/a/b/"},
		{"/app/x?q=1&r=a%20b", "path=/x raw=/x query=q=1&r=a%20b prefix=/app uri=/app/x?q=1&r=a%20b"},
		{"/app/a%2Fb/c", "path=/a/b/c raw=/a%2Fb/c query= prefix=/app uri=/app/a%2Fb/c"},
		{"/app/sp%20ace", "path=/sp ace raw=/sp%20ace query= prefix=/app uri=/app/sp%20ace"},
		{"/sub/deep/x", "path=/x raw=/x query= prefix=/sub/deep uri=/sub/deep/x"},
		{"/s%75b/deep/x", "path=/x raw=/x query= prefix=/s%75b/deep uri=/s%75b/deep/x"},
		{"/sub/d%2Fp", "No Such Resource"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			_, body := testutil.Do(t, srv, "GET", tt.target, nil)
			if !strings.Contains(body, tt.want) {
				t.Errorf("GET %s = %q, want %q", tt.target, body, tt.want)
			}
		})
	}
}

func TestMountAtRoot(t *testing.T) {
	root := resource.New()
	root.PutChild("", handler.New(echo))
	_, srv := testutil.Serve(t, root)
	_, body := testutil.Do(t, srv, "GET", "/", nil)
	if want := "path=/ raw=/ query= prefix=/ uri=/"; body != want {
		t.Errorf("GET / = %q, want %q", body, want)
	}
	// The root itself as the handler: nothing is consumed.
	_, srv2 := testutil.Serve(t, handler.New(echo))
	_, body = testutil.Do(t, srv2, "GET", "/a/b", nil)
	if want := "path=/a/b raw=/a/b query= prefix= uri=/a/b"; body != want {
		t.Errorf("GET /a/b = %q, want %q", body, want)
	}
}

func TestServeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "hello, %s", req.PathValue("name"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, req.Body)
	})
	root := resource.New()
	root.PutChild("app", handler.New(mux))
	_, srv := testutil.Serve(t, root)

	resp, body := testutil.Do(t, srv, "GET", "/app/hello/bob", nil)
	if resp.StatusCode != 200 || body != "hello, bob" {
		t.Errorf("GET = %d %q", resp.StatusCode, body)
	}
	resp, _ = testutil.Do(t, srv, "GET", "/app/nothing", nil)
	if resp.StatusCode != 404 {
		t.Errorf("GET unknown = %d, want the mux's 404", resp.StatusCode)
	}
	resp, _ = testutil.Do(t, srv, "PUT", "/app/hello/bob", nil)
	if resp.StatusCode != 405 {
		t.Errorf("PUT = %d, want the mux's 405", resp.StatusCode)
	}
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	resp, body = testutil.Do(t, srv, "POST", "/app/echo", bytes.NewReader(big))
	if resp.StatusCode != 200 || body != string(big) {
		t.Errorf("POST echo = %d, %d bytes, want %d", resp.StatusCode, len(body), len(big))
	}
}

func TestResponses(t *testing.T) {
	large := strings.Repeat("x", 10_000)
	tests := []struct {
		name   string
		method string
		h      http.HandlerFunc
		code   int
		ctype  []string // nil: no Content-Type header
		clen   int64    // -1: none (chunked)
		body   string
	}{
		{"sniffed text", "GET", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "plain") },
			200, []string{"text/plain; charset=utf-8"}, 5, "plain"},
		{"sniffed html", "GET", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "<html><p>x") },
			200, []string{"text/html; charset=utf-8"}, 10, "<html><p>x"},
		{"own type", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "{}")
		}, 200, []string{"application/json"}, 2, "{}"},
		{"suppressed type", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "abc")
		}, 200, nil, 3, "abc"},
		{"empty", "GET", func(http.ResponseWriter, *http.Request) {}, 200, nil, 0, ""},
		{"no content", "GET", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }, 204, nil, -1, ""},
		{"teapot", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(418)
			w.WriteHeader(500) // superfluous, ignored
			io.WriteString(w, "short and stout")
		}, 418, []string{"text/plain; charset=utf-8"}, 15, "short and stout"},
		{"large", "GET", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, large) },
			200, []string{"text/plain; charset=utf-8"}, -1, large},
		{"many writes", "GET", func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i < 1000; i++ {
				io.WriteString(w, "0123456789")
			}
		}, 200, []string{"text/plain; charset=utf-8"}, -1, strings.Repeat("0123456789", 1000)},
		{"head", "HEAD", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "plain") },
			200, []string{"text/plain; charset=utf-8"}, 5, ""},
		{"encoded", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "x-custom")
			io.WriteString(w, "plain")
		}, 200, nil, 5, "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := testutil.Serve(t, handler.New(tt.h))
			resp, body := testutil.Do(t, srv, tt.method, "/", nil)
			if resp.StatusCode != tt.code || body != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.code, tt.body)
			}
			if got := resp.Header["Content-Type"]; fmt.Sprint(got) != fmt.Sprint(tt.ctype) {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if tt.clen < 0 && resp.Header.Get("Content-Length") != "" {
				t.Errorf("Content-Length = %q, want none", resp.Header.Get("Content-Length"))
			}
			if tt.code != 204 && resp.ContentLength != tt.clen {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, tt.clen)
			}
		})
	}
}

func TestFlushStreams(t *testing.T) {
	next := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-req.Context().Done():
			return
		}
		io.WriteString(w, "data: two\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
	})
	_, srv := testutil.Serve(t, handler.New(h))
	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event = %q, %v", line, err)
	}
	close(next) // the handler is still running: the first event streamed
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: two\n\n" {
		t.Errorf("rest = %q", rest)
	}
}

func TestAccessLog(t *testing.T) {
	var log testutil.SyncBuffer
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "I'm a teapot")
	})
	root := resource.New()
	root.PutChild("pot", handler.New(h))
	s := site.New(root)
	s.AccessLog = &log
	srv := httptest.NewServer(s)
	resp, err := http.Get(srv.URL + "/pot/x")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	srv.Close() // waits for the handler, and so for the log line
	s.Close()
	if line := log.String(); !strings.Contains(line, `"GET /pot/x HTTP/1.1" 418 12 `) {
		t.Errorf("access log = %q, want status 418 and 12 bytes", line)
	}
}

// A handler that panics before it wrote gets the Site's failure page,
// without the headers it set; one that panics after it wrote has had its
// status committed, and its connection is cut (as net/http does), so the
// client cannot take the half page for a whole one.
func TestPanic(t *testing.T) {
	for _, wrote := range []bool{false, true} {
		h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("X-Half", "done")
			if wrote {
				io.WriteString(w, "half a page")
			}
			panic("boom")
		})
		_, srv := testutil.Serve(t, handler.New(h), testutil.Quiet)
		resp, err := srv.Client().Get(srv.URL + "/")
		if wrote {
			if err == nil {
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if rerr == nil {
					t.Errorf("after a write: read %q with no error: a cut response looked whole", body)
				}
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 || !strings.Contains(string(body), "Processing Failed") {
			t.Errorf("got %d %q, want the 500 page", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Half") != "" || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("the handler's headers leaked onto the failure page: %v", resp.Header)
		}
	}
}

func TestRequestFromContext(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r := handler.Request(req)
		if r == nil {
			t.Error("Request(req) = nil inside a mounted handler")
			return
		}
		fmt.Fprintf(w, "%q %q", r.Prepath(), r.Postpath())
	})
	root := resource.New()
	root.PutChild("m", handler.New(h))
	_, srv := testutil.Serve(t, root)
	if _, body := testutil.Do(t, srv, "GET", "/m/a/b", nil); body != `["m"] ["a" "b"]` {
		t.Errorf("body = %s", body)
	}
	if handler.Request(httptest.NewRequest("GET", "/", nil)) != nil || handler.Prefix(httptest.NewRequest("GET", "/", nil)) != "" {
		t.Error("Request/Prefix outside a mount should be nil/empty")
	}
	var _ *request.Request = handler.Request(httptest.NewRequest("GET", "/", nil))
}

func TestNewNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	handler.New(nil)
}

// TestSessionInMountedHandler checks that a mounted handler that uses a
// session through handler.Request sends what the session needs, even when
// it first sets a write deadline (which reaches the server's writer
// through Unwrap) and sets caching headers after GetSession, and that an
// informational 103 it sends first carries none of it.
func TestSessionInMountedHandler(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		uid := handler.Request(req).GetSession().UID()
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Cache-Control", "public, max-age=60")
		fmt.Fprint(w, uid)
	})
	root := resource.New()
	root.PutChild("m", handler.New(h))
	_, srv := testutil.Serve(t, root)

	early, resp, body := testutil.SendTraced(t, srv.Client(), testutil.NewRequest(t, "GET", srv.URL+"/m", nil))

	if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], site.DefaultSessionCookieName+"="+body+";") {
		t.Errorf("Set-Cookie %q, want the new session's (%s)", got, body)
	}
	if got := resp.Header.Values("Cache-Control"); !slices.Equal(got, []string{"public, max-age=60", "private"}) {
		t.Errorf("Cache-Control %q, want the handler's and private", got)
	}
	if got := resp.Header.Values("Vary"); !slices.Equal(got, []string{"Cookie"}) {
		t.Errorf("Vary %q, want Cookie", got)
	}
	if len(early) != 1 || early[0].Header.Get("Link") == "" || early[0].Header.Get("Set-Cookie") != "" || early[0].Header.Get("Vary") != "" {
		t.Errorf("1xx responses %v, want one 103 with Link and no session headers", early)
	}
}
