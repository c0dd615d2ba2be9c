package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// upstream answers with what it received.
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/base/stream" {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			<-req.Context().Done()
			return
		}
		body, _ := io.ReadAll(req.Body)
		w.Header().Set("Content-Type", "text/plain; charset=us-ascii")
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "%s %s ?%s host=%s test=%q xff=%q body=%q",
			req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Host,
			req.Header.Get("X-Test"), req.Header.Get("X-Forwarded-For"), body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// roundTripper is an http.RoundTripper made of a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
