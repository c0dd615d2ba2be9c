package request_test

import (
	"bufio"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// procStatus returns a field of /proc/self/status in bytes, such as VmRSS.
func procStatus(t *testing.T, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// cycle is an endless stream that repeats block.
type cycle struct {
	block []byte
	at    int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := copy(p, c.block[c.at:])
	c.at = (c.at + n) % len(c.block)
	return n, nil
}

// With MaxRequestBodySize raised, a 1 GiB upload read through
// ContentReader goes to a temporary file: the process's resident memory
// grows by less than 64 MiB (client included).
func TestLargeUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB: skipped with -short")
	}
	if raceEnabled {
		t.Skip("the race detector's own memory would be measured: run without -race")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/self/status (Linux)")
	}
	root := resource.New()
	root.PutChild("crc", crcLeaf{})
	_, srv := testutil.Serve(t, root, func(s *site.Site) { s.MaxRequestBodySize = 2 << 30 })

	runtime.GC()
	debug.FreeOSMemory()
	idle := procStatus(t, "VmRSS")
	// Writing 5 resets the peak (VmHWM) to the current size (Linux 4.0+);
	// sampling VmRSS covers kernels that refuse.
	resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peak int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, procStatus(t, "VmRSS"))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})

	const size = 1 << 30
	block := make([]byte, 64<<10)
	(&pattern{}).Read(block)
	h := crc32.NewIEEE()
	upload := io.TeeReader(io.LimitReader(&cycle{block: block}, size), h)
	req := testutil.NewRequest(t, "PUT", srv.URL+"/crc", upload)
	req.ContentLength = size
	start := time.Now()
	resp, body := testutil.Send(t, srv.Client(), req)
	elapsed := time.Since(start)
	close(done)
	wg.Wait()
	if resetPeak {
		peak = max(peak, procStatus(t, "VmHWM"))
	}

	if want := fmt.Sprintf("%d %08x", size, h.Sum32()); resp.StatusCode != 200 || body != want {
		t.Fatalf("%d %q, want %q", resp.StatusCode, body, want)
	}
	t.Logf("1 GiB upload in %v: idle RSS %.1f MiB, peak %.1f MiB (+%.1f MiB; peak reset: %v)",
		elapsed.Round(time.Millisecond), mib(idle), mib(peak), mib(peak-idle), resetPeak)
	if peak-idle > 64<<20 {
		t.Errorf("resident memory grew by %.1f MiB, want under 64 MiB", mib(peak-idle))
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
