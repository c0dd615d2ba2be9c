package request_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// verbs exercises the response verbs: Postpath[0] says which.
type verbs struct{ resource.Leaf }

func (verbs) RenderGET(r *request.Request) ([]byte, error) {
	post := r.Postpath()
	switch post[0] {
	case "header":
		return []byte(r.Header("X-Test")), nil
	case "cookies":
		args, _ := r.Args()
		out := map[string]*string{}
		for _, n := range args["n"] {
			if v, ok := r.Cookie(n); ok {
				out[n] = &v
			} else {
				out[n] = nil
			}
		}
		return json.Marshal(out)
	case "addcookie":
		r.AddCookie(&http.Cookie{Name: "a", Value: "b", Path: "/x", MaxAge: 10, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		r.AddCookie(&http.Cookie{Name: "c", Value: "d"})
		return []byte("cookies"), nil
	case "code":
		r.SetResponseCode(402)
		return []byte("pay"), nil
	case "redirect":
		r.Redirect("http://example.com/elsewhere")
		return []byte("moved"), nil
	case "redirect-finish":
		r.Redirect("/there")
		r.Finish()
		return nil, resource.NotDoneYet
	case "empty":
		return []byte{}, nil
	case "nocontent":
		r.SetResponseCode(http.StatusNoContent)
		return nil, nil
	case "typed-empty-async":
		r.SetHeader("Content-Type", "text/plain")
		r.Finish()
		return nil, resource.NotDoneYet
	case "notype":
		r.ResponseHeader()["Content-Type"] = nil
		return []byte("raw"), nil
	}
	return []byte("?"), nil
}

func TestResponseVerbs(t *testing.T) {
	_, srv := testutil.Serve(t, verbs{})

	req := testutil.NewRequest(t, "GET", srv.URL+"/header", nil)
	req.Header.Add("X-Test", "first")
	req.Header.Add("X-Test", "last")
	if _, body := testutil.Send(t, srv.Client(), req); body != "last" {
		t.Errorf("Header: %q, want the last value", body)
	}

	req = testutil.NewRequest(t, "GET", srv.URL+"/cookies?n=a&n=b&n=c&n=flag&n=d&n=e&n=f&n=missing", nil)
	req.Header["Cookie"] = []string{`a=1; b=2;c=3; flag; d=x=y; e="quoted"; f=sp ; a=4`, `b=last`}
	want := `{"a":"4","b":"last","c":"3","d":"x=y","e":"\"quoted\"","f":"sp ","flag":null,"missing":null}`
	if _, body := testutil.Send(t, srv.Client(), req); body != want {
		t.Errorf("Cookie:\n got %s\nwant %s", body, want)
	}

	resp, _ := testutil.Do(t, srv, "GET", "/addcookie", nil)
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 ||
		got[0] != "a=b; Path=/x; Max-Age=10; HttpOnly; Secure; SameSite=Lax" || got[1] != "c=d" {
		t.Errorf("Set-Cookie: %q", got)
	}

	if resp, body := testutil.Do(t, srv, "GET", "/code", nil); resp.StatusCode != 402 || body != "pay" {
		t.Errorf("SetResponseCode: %d %q", resp.StatusCode, body)
	}

	noFollow := testutil.NoRedirects(srv.Client())
	get := func(path string) (*http.Response, string) {
		t.Helper()
		return testutil.Send(t, noFollow, testutil.NewRequest(t, "GET", srv.URL+path, nil))
	}
	// Redirect does not finish: the render's body follows.
	if resp, body := get("/redirect"); resp.StatusCode != 302 || body != "moved" ||
		resp.Header.Get("Location") != "http://example.com/elsewhere" {
		t.Errorf("Redirect: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Redirect then Finish with no body still gets the default Content-Type.
	if resp, body := get("/redirect-finish"); resp.StatusCode != 302 || body != "" ||
		resp.Header.Get("Location") != "/there" || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("Redirect+Finish: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// Default Content-Type: none on an empty body, none on 204; an explicit
	// one is kept; a nil one sends none.
	for _, tt := range []struct {
		path  string
		code  int
		ctype []string
	}{
		{"/empty", 200, nil},
		{"/nocontent", 204, nil},
		{"/typed-empty-async", 200, []string{"text/plain"}},
		{"/notype", 200, nil},
		{"/code", 402, []string{"text/html"}},
	} {
		resp, _ := testutil.Do(t, srv, "GET", tt.path, nil)
		if got := resp.Header.Values("Content-Type"); resp.StatusCode != tt.code || strings.Join(got, ",") != strings.Join(tt.ctype, ",") {
			t.Errorf("%s: %d Content-Type %q, want %d %q", tt.path, resp.StatusCode, got, tt.code, tt.ctype)
		}
	}
}

// busyHeaders keeps changing its headers from another goroutine until well
// after the response was abandoned.
type busyHeaders struct {
	resource.Leaf
	started chan struct{}
	done    chan struct{}
}

func (b *busyHeaders) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		defer close(b.done)
		close(b.started)
		end := r.NotifyFinish()
		for after := 0; after < 2000; {
			r.SetHeader("X-Count", "1")
			r.AddCookie(&http.Cookie{Name: "c", Value: "v"})
			r.SetResponseCode(299)
			r.SetETag(`"e"`)
			r.SetLastModified(time.Unix(1e9, 0))
			select {
			case <-end:
				after++
			default:
			}
			if after > 0 {
				after++
			}
		}
	}()
	return nil, resource.NotDoneYet
}

// A resource that goes on changing headers after its client left must not
// race with the server, which reads the header map once the handler
// returns (run with -race; without the fix this crashed the process with a
// concurrent map iteration and write).
func TestHeadersAfterAbortDoNotRace(t *testing.T) {
	b := &busyHeaders{started: make(chan struct{}), done: make(chan struct{})}
	_, srv := testutil.Serve(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := srv.Client().Do(req)
		errc <- err
	}()
	<-b.started
	cancel()
	<-errc
	<-b.done
}

// lateCode sets the status after the headers went out.
type lateCode struct{ resource.Leaf }

func (lateCode) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("sent"))
	r.SetResponseCode(404)
	return nil, r.Finish()
}

func TestResponseCodeAfterHeadersIsIgnored(t *testing.T) {
	var access testutil.SyncBuffer
	_, srv := testutil.Serve(t, lateCode{}, func(s *site.Site) { s.AccessLog = &access })
	resp, _ := testutil.Do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(access.String(), `HTTP/1.1" 200 4`) {
		t.Errorf("client got %d; access log: %s", resp.StatusCode, access.String())
	}
}

// info renders what the request says of itself, as JSON.
var info = testutil.Func(func(r *request.Request) ([]byte, error) {
	now := r.Now()
	return json.Marshal(map[string]any{
		"method": r.Method(), "uri": r.URI(), "path": r.Path(),
		"now": now.UnixNano(), "same": r.Now().Equal(now),
	})
})

func TestRequestInfo(t *testing.T) {
	_, srv := testutil.Serve(t, info)
	tests := []struct{ method, target, path string }{
		{"GET", "/", "/"},
		{"GET", "/a/b?x=1&y", "/a/b"},
		{"POST", "/a%2Fb/sp%20ace?q=%20", "/a%2Fb/sp%20ace"},
		{"BREW", "/pot", "/pot"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			before := time.Now()
			_, body := testutil.Do(t, srv, tt.method, tt.target, nil)
			var got struct {
				Method, URI, Path string
				Now               int64
				Same              bool
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %q", err, body)
			}
			if got.Method != tt.method || got.URI != tt.target || got.Path != tt.path {
				t.Errorf("Method %q URI %q Path %q; want %q %q %q", got.Method, got.URI, got.Path, tt.method, tt.target, tt.path)
			}
			// Now is read once, and is the time of the request.
			if now := time.Unix(0, got.Now); !got.Same || now.Before(before.Add(-time.Second)) || now.After(time.Now().Add(time.Second)) {
				t.Errorf("Now %v (the same twice: %v), want a time between %v and now", now, got.Same, before)
			}
		})
	}
}
