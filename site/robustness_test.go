package site_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

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
	_, srv := serve(t, b)
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

// headersThenWait sets headers, then waits for the Site to close.
type headersThenWait struct{ deferred }

func (h *headersThenWait) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Encoding", "gzip")
	r.SetHeader("ETag", `"x"`)
	return h.deferred.RenderGET(r)
}

func TestCloseAnswerDropsTheResourcesHeaders(t *testing.T) {
	h := &headersThenWait{deferred: *newDeferred()}
	s, srv := serve(t, h)
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Error(err)
		}
		respc <- resp
	}()
	<-h.reqs
	s.Close()
	resp := <-respc
	if resp == nil {
		t.FailNow()
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") != "" {
		t.Errorf("503 after Close: %d %v", resp.StatusCode, resp.Header)
	}
}

// halfThenFail writes part of its body, then fails.
type halfThenFail struct{ resource.Leaf }

func (halfThenFail) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("half a page"))
	return nil, errors.New("kaboom after the first byte")
}

// A response that fails after its first byte is cut off, so that the
// client sees an error rather than a short body that looks whole.
func TestFailureAfterFirstByteBreaksTheConnection(t *testing.T) {
	var log syncBuffer
	_, srv := serve(t, halfThenFail{}, logTo(&log))
	// The half page may still be in the server's buffer when the
	// connection is cut: the client sees an error either way.
	resp, err := srv.Client().Get(srv.URL + "/")
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("read %q with no error: a truncated response looked complete", body)
		}
	}
	if !strings.Contains(log.String(), "kaboom after the first byte") {
		t.Errorf("failure not logged: %s", log.String())
	}
}

// unavailable returns a 5xx StatusError.
type unavailable struct{ resource.Leaf }

func (unavailable) RenderGET(*request.Request) ([]byte, error) {
	return nil, &request.StatusError{Code: 503, Err: errors.New("database down")}
}

func TestStatusError5xx(t *testing.T) {
	var log syncBuffer
	_, srv := serve(t, unavailable{}, logTo(&log))
	resp, body := do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "503 - Service Unavailable") || strings.Contains(body, "database") {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if !strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("a 5xx StatusError is logged as an error: %s", log.String())
	}
}

// conditional sets an ETag and a Last-Modified time.
type conditional struct{ resource.Leaf }

var lastChange = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (conditional) render(r *request.Request) ([]byte, error) {
	if r.SetETag(`W/"v2"`) || r.SetLastModified(lastChange) {
		return nil, nil
	}
	return []byte("fresh"), nil
}

func (c conditional) RenderGET(r *request.Request) ([]byte, error)  { return c.render(r) }
func (c conditional) RenderPOST(r *request.Request) ([]byte, error) { return c.render(r) }

func TestConditionalRFC9110(t *testing.T) {
	_, srv := serve(t, conditional{})
	later := lastChange.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name, method string
		header       []string
		code         int
	}{
		{"If-Modified-Since alone", "GET", []string{"If-Modified-Since", later}, 304},
		{"If-None-Match wins over If-Modified-Since", "GET", []string{"If-None-Match", `"v1"`, "If-Modified-Since", later}, 200},
		{"weak comparison", "GET", []string{"If-None-Match", `"v2"`}, 304},
		{"POST ignores If-Modified-Since", "POST", []string{"If-Modified-Since", later}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := do(t, srv, tt.method, "/", nil, tt.header...)
			if resp.StatusCode != tt.code {
				t.Errorf("%d, want %d", resp.StatusCode, tt.code)
			}
		})
	}
}

// lateCode sets the status after the headers went out.
type lateCode struct{ resource.Leaf }

func (lateCode) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("sent"))
	r.SetResponseCode(404)
	return nil, r.Finish()
}

func TestResponseCodeAfterHeadersIsIgnored(t *testing.T) {
	var access syncBuffer
	_, srv := serve(t, lateCode{}, func(s *site.Site) { s.AccessLog = &access })
	resp, _ := do(t, srv, "GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(access.String(), `HTTP/1.1" 200 4`) {
		t.Errorf("client got %d; access log: %s", resp.StatusCode, access.String())
	}
}

// A middleware that rewrites URL.Path alone leaves a stale RawPath, which
// traversal must not use.
func TestStaleRawPathIgnored(t *testing.T) {
	root := resource.New()
	root.PutChild("x", leafEcho{})
	s := site.New(root)
	defer s.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
		s.ServeHTTP(w, r)
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/x/a%2Fb", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"post":["a","b"]`) {
		t.Errorf("%d %s", w.Code, w.Body.String())
	}
}

func TestNilSessionFactoryPanicsEveryTime(t *testing.T) {
	s := site.New(page("x"))
	s.SessionFactory = nil
	for range 2 {
		func() {
			defer func() {
				if v := recover(); v == nil {
					t.Error("no panic for a nil SessionFactory")
				}
			}()
			s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
	}
}
