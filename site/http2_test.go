package site_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// sessionPage shows whether the request is secure and makes a session.
type sessionPage struct{ resource.Leaf }

func (sessionPage) RenderGET(r *request.Request) ([]byte, error) {
	secure := "insecure"
	if r.IsSecure() {
		secure = "secure"
	}
	return []byte(secure + " " + r.GetSession().UID()), nil
}

func http2Tree() (resource.Resource, *stream) {
	st := &stream{reqs: make(chan *request.Request, 1)}
	root := resource.New()
	root.PutChild("stream", st)
	root.PutChild("session", sessionPage{})
	return root, st
}

// TestHTTP2Streams: over HTTP/2, what an asynchronous resource writes
// reaches the client before it finishes.
func TestHTTP2Streams(t *testing.T) {
	root, st := http2Tree()
	_, url, client, _ := tlsServer(t, root)
	resp, err := client.Get(url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served over %s, want HTTP/2", resp.Proto)
	}
	r := <-st.reqs
	first := make([]byte, len("start;"))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "start;" {
		t.Fatalf("first chunk %q %v", first, err)
	}
	done := r.NotifyFinish()
	r.Write([]byte("middle;"))
	mid := make([]byte, len("middle;"))
	if _, err := io.ReadFull(resp.Body, mid); err != nil || string(mid) != "middle;" {
		t.Fatalf("second chunk %q %v", mid, err)
	}
	r.Write([]byte("end"))
	r.Finish()
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "end" {
		t.Errorf("rest %q %v", rest, err)
	}
	if err := <-done; err != nil {
		t.Errorf("NotifyFinish: %v", err)
	}
}

// TestHTTP2ResetStream: a client that resets its stream is reported by
// NotifyFinish as gone, leaves no goroutine behind, and the connection
// keeps serving its other streams.
func TestHTTP2ResetStream(t *testing.T) {
	root, st := http2Tree()
	var log syncBuffer
	_, url, client, _ := tlsServer(t, root, func(s *site.Site) { s.AccessLog = &log })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/stream", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := <-st.reqs
	done := r.NotifyFinish()
	if _, err := io.ReadFull(resp.Body, make([]byte, len("start;"))); err != nil {
		t.Fatal(err)
	}
	cancel() // RST_STREAM, CANCEL
	resp.Body.Close()
	select {
	case err := <-done:
		if !errors.Is(err, request.ErrGone) {
			t.Errorf("NotifyFinish: %v, want ErrGone", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("NotifyFinish reported nothing after the stream was reset")
	}
	if _, err := r.Write([]byte("late")); !errors.Is(err, request.ErrGone) {
		t.Errorf("Write after the reset: %v, want ErrGone", err)
	}
	// ServeHTTP returned (it logs on its way out), and no goroutine of the
	// request is left.
	testutil.Eventually(t, "the access log line", func() bool { return strings.Contains(log.String(), "GET /stream HTTP/2.0") })
	testutil.Eventually(t, "the request's goroutines to end", func() bool {
		stacks := testutil.Stacks()
		return !strings.Contains(stacks, "site.(*Site).ServeHTTP") && !strings.Contains(stacks, "site.(*Site).await")
	})
	// The connection still serves.
	resp, err = client.Get(url + "/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Errorf("after the reset: %d over %s", resp.StatusCode, resp.Proto)
	}
}

// TestHTTP2SecureSession: a session made over HTTP/2 and TLS gets the
// secure cookie, with the Secure attribute, and is found by it next time.
func TestHTTP2SecureSession(t *testing.T) {
	root, _ := http2Tree()
	_, url, client, _ := tlsServer(t, root)
	resp, err := client.Get(url + "/session")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	secure, uid, _ := strings.Cut(string(body), " ")
	if resp.ProtoMajor != 2 || secure != "secure" {
		t.Fatalf("%s: %q", resp.Proto, body)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != site.DefaultSecureSessionCookieName || cookies[0].Value != uid ||
		!cookies[0].Secure || !cookies[0].HttpOnly {
		t.Fatalf("Set-Cookie %q", resp.Header.Values("Set-Cookie"))
	}
	req, _ := http.NewRequest("GET", url+"/session", nil)
	req.AddCookie(&http.Cookie{Name: cookies[0].Name, Value: uid})
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "secure "+uid || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("with the cookie: %q, Set-Cookie %q", body, resp.Header.Get("Set-Cookie"))
	}
}

// TestCurlHTTP2 asks with curl, a client no one here wrote: it negotiates
// HTTP/2, receives a streamed response whole, and gets the secure cookie.
func TestCurlHTTP2(t *testing.T) {
	curl := testutil.Program(t, "curl", "curl")
	root, st := http2Tree()
	_, url, _, caFile := tlsServer(t, root)
	go func() {
		r := <-st.reqs
		r.Write([]byte("more;"))
		r.Finish()
	}()
	out, err := exec.Command(curl, "--http2", "-sS", "-N", "--cacert", caFile, "-w", "|%{http_version}", url+"/stream").CombinedOutput()
	if err != nil || string(out) != "start;more;|2" {
		t.Errorf("curl /stream: %q %v", out, err)
	}
	out, err = exec.Command(curl, "--http2", "-sS", "-D", "-", "--cacert", caFile, url+"/session").CombinedOutput()
	text := strings.ToLower(string(out))
	if err != nil || !strings.HasPrefix(text, "http/2 200") || !strings.Contains(text, "set-cookie: twisted_secure_session=") ||
		!strings.Contains(text, "; secure") || !strings.Contains(text, "secure ") {
		t.Errorf("curl /session: %q %v", out, err)
	}
}

// TestHTTP2AfterTheEnd: over HTTP/2, net/http's writer panics when it is
// used after its handler returned, and a panic on a resource's own
// goroutine ends the process. A goroutine that still holds the Request
// once the response ended (the client reset its stream, or the response
// finished) may call every method that reaches the server's writer, and
// none panics.
func TestHTTP2AfterTheEnd(t *testing.T) {
	calls := []struct {
		name string
		call func(r *request.Request) error
	}{
		{"ResponseHeader", func(r *request.Request) error { r.ResponseHeader().Set("X-Late", "1"); return nil }},
		{"ResponseWriter.Header", func(r *request.Request) error { r.ResponseWriter().Header().Set("X-Late", "1"); return nil }},
		{"ResponseWriter.WriteHeader", func(r *request.Request) error { r.ResponseWriter().WriteHeader(103); return nil }},
		{"ResponseWriter.Write", func(r *request.Request) error { _, err := r.ResponseWriter().Write([]byte("late")); return err }},
		{"SetWriteDeadline", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).SetWriteDeadline(time.Now().Add(time.Minute))
		}},
		{"SetReadDeadline", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).SetReadDeadline(time.Now().Add(time.Minute))
		}},
		{"Flush", func(r *request.Request) error { return http.NewResponseController(r.ResponseWriter()).Flush() }},
		{"EnableFullDuplex", func(r *request.Request) error {
			return http.NewResponseController(r.ResponseWriter()).EnableFullDuplex()
		}},
		{"Write", func(r *request.Request) error { _, err := r.Write([]byte("late")); return err }},
		{"Finish", func(r *request.Request) error { return r.Finish() }},
	}
	ends := []struct {
		name string
		end  func(cancel context.CancelFunc, r *request.Request)
	}{
		{"client reset", func(cancel context.CancelFunc, _ *request.Request) { cancel() }},
		{"finished", func(_ context.CancelFunc, r *request.Request) { r.Finish() }},
	}
	for _, e := range ends {
		t.Run(e.name, func(t *testing.T) {
			root, st := http2Tree()
			_, url, client, _ := tlsServer(t, root)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/stream", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := <-st.reqs
			done := r.NotifyFinish()
			e.end(cancel, r)
			<-done
			// The handler has returned once no goroutine runs one.
			testutil.Eventually(t, "the handler to return", func() bool {
				return !strings.Contains(testutil.Stacks(), "runHandler")
			})
			for _, c := range calls {
				func() {
					defer func() {
						if v := recover(); v != nil {
							t.Errorf("%s after the end: panic %v", c.name, v)
						}
					}()
					_ = c.call(r) // an error is the right answer
				}()
			}
		})
	}
}

// statusPage answers with the status in its "code" argument and a body,
// which a status without one must not send, nor announce.
type statusPage struct{ resource.Leaf }

func (statusPage) RenderGET(r *request.Request) ([]byte, error) {
	code, _ := strconv.Atoi(r.Arg("code"))
	r.SetResponseCode(code)
	return []byte("a body"), nil
}

// TestNoBodyStatusLength: a render that sets 204 or 304 and returns a
// body sends no Content-Length over HTTP/1.1 or HTTP/2, as net/http's
// HTTP/1 server makes sure of on its own (its HTTP/2 server does not, and
// curl refuses a 204 that has one: RFC 9110 section 8.6 forbids it).
func TestNoBodyStatusLength(t *testing.T) {
	root := resource.New()
	root.PutChild("status", statusPage{})
	_, h1 := serve(t, root)
	_, h2 := testutil.ServeHTTP2(t, root)
	for _, srv := range []*httptest.Server{h1, h2} {
		for _, c := range []struct {
			method string
			code   int
		}{{"GET", 204}, {"HEAD", 204}, {"GET", 304}, {"HEAD", 304}} {
			resp, body := do(t, srv, c.method, "/status?code="+strconv.Itoa(c.code), nil)
			if resp.StatusCode != c.code || body != "" || resp.Header["Content-Length"] != nil {
				t.Errorf("%s %s %d: %d %q, Content-Length %q", resp.Proto, c.method, c.code,
					resp.StatusCode, body, resp.Header["Content-Length"])
			}
		}
	}
	curl := testutil.Program(t, "curl", "curl")
	for _, head := range []string{"", "-I"} {
		args := []string{"--http2", "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", h2.URL + "/status?code=204"}
		if head != "" {
			args = append(args, head)
		}
		out, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil || string(out) != "204 2" {
			t.Errorf("curl %s 204: %q %v", head, out, err)
		}
	}
}
