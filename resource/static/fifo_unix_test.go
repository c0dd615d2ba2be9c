//go:build unix

package static_test

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
)

// A FIFO in the served directory must not hold the request at open.
func TestFIFO(t *testing.T) {
	dir := makeTree(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	s := serveTree(t, map[string]resource.Resource{"files": newFile(t, dir)})
	done := make(chan int, 1)
	go func() {
		resp, err := s.client.Get(s.URL + "/files/fifo")
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	if code := testutil.Receive(t, done, 10*time.Second, "a request for a FIFO hangs"); code != 404 {
		t.Errorf("status = %d, want 404", code)
	}
}
