package request_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// readLater answers later and reads the body from another goroutine,
// reporting what the read returned.
type readLater struct {
	resource.Leaf
	started chan struct{}
	done    chan error
}

func (l readLater) Render(r *request.Request) ([]byte, error) {
	go func() {
		close(l.started)
		_, err := r.Content()
		l.done <- err
	}()
	return nil, resource.NotDoneYet
}

// A body still being read when its response ends (here the Site closes
// while an asynchronous resource reads it) is read no more through the
// server's writer: net/http's HTTP/2 writer panics, crashing the process,
// if it is used after its handler has returned.
func TestBodyReadAcrossTheEndHTTP2(t *testing.T) {
	leaf := readLater{started: make(chan struct{}), done: make(chan error, 1)}
	s, srv := testutil.ServeHTTP2(t, leaf, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = time.Minute })

	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("PUT", srv.URL+"/", pr)
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			close(answered)
			return
		}
		answered <- resp
	}()
	pw.Write([]byte("part of the body"))
	testutil.Receive(t, leaf.started, 10*time.Second, "the resource was not rendered")
	s.Close() // ends the response: 503
	if resp := testutil.Receive(t, answered, 10*time.Second, "no answer after Close"); resp != nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("after Close: %d, want 503", resp.StatusCode)
		}
	}
	pw.Write([]byte(" and more, after the end")) // the blocked read returns now
	pw.Close()
	if err := testutil.Receive(t, leaf.done, 10*time.Second, "the read never ended"); err == nil {
		t.Error("Content read a body whose response had ended")
	}
}
