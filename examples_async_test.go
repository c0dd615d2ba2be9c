package web_test

// The examples of answering later: NotDoneYet, a visitor who leaves, and
// logging what went wrong.

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
)

// testAsynchronous checks asynchronous and asynchronous-deferred: the
// answer comes after the delay, streamed (chunked, no Content-Length), and
// visitors wait side by side, not one after another.
func testAsynchronous(t *testing.T, bin, slug string) {
	const delay = 300 * time.Millisecond
	e := start(t, bin, slug, "-delay", delay.String())
	const visitors = 4
	begin := time.Now()
	var wg sync.WaitGroup
	for range visitors {
		wg.Go(func() {
			resp, body := e.do(t, nil, http.MethodGet, "/", nil, nil)
			if resp == nil {
				return
			}
			if took := time.Since(begin); took < delay {
				t.Errorf("GET /: answered after %v, before the delay of %v", took, delay)
			}
			expect(t, "GET /", resp, body, http.StatusOK)
			if body != "<html><body>Sorry to keep you waiting.</body></html>" {
				t.Errorf("GET /: body %q", body)
			}
			expectHeader(t, "GET /", resp, "Content-Type", "text/html")
			if resp.ContentLength != -1 || !slices.Equal(resp.TransferEncoding, []string{"chunked"}) {
				t.Errorf("GET /: Content-Length %d, Transfer-Encoding %q; want a chunked stream",
					resp.ContentLength, resp.TransferEncoding)
			}
		})
	}
	wg.Wait()
	if took := time.Since(begin); took >= visitors*delay {
		t.Errorf("%d visitors took %v: they were served one after another", visitors, took)
	}
	resp, body := e.get(t, "/other")
	expect(t, "GET /other", resp, body, http.StatusNotFound)
}

// disconnect sends GET / and hangs up without waiting for the answer.
func (e *example) disconnect(t *testing.T) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.url, "http://"), requestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: example\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
}

func testInterrupted(t *testing.T, bin string) {
	e := start(t, bin, "interrupted", "-delay", "300ms")
	e.disconnect(t)
	// A patient visitor, who came after, gets the whole answer; by then the
	// delay of the one who left is over too.
	resp, body := e.get(t, "/")
	expect(t, "GET /", resp, body, http.StatusOK, "Sorry to keep you waiting.")
	if errs := e.Stderr(); len(errs) > 0 {
		t.Errorf("interrupted logged %q; a visitor leaving is no error", errs)
	}
}

func testLoggingErrors(t *testing.T, bin string) {
	e := start(t, bin, "logging-errors", "-delay", "300ms")
	const msg = "Async response demo interrupted response"
	e.disconnect(t)
	testutil.Eventually(t, "the interrupted response logged", func() bool { return count(e.Stderr(), msg) > 0 })
	resp, body := e.get(t, "/") // outlasts the delay of the one who left
	expect(t, "GET /", resp, body, http.StatusOK, "Sorry to keep you waiting.")
	if errs := e.Stderr(); len(errs) != 1 || count(errs, msg) != 1 || count(errs, "ERROR") != 1 {
		t.Errorf("logging-errors logged %q; want exactly one error line with %q", errs, msg)
	}
}
