package websocket_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	cws "github.com/coder/websocket"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/websocket"
	"github.com/gotwisted/web/site"
)

// echoBack sends back every text message it receives.
type echoBack struct {
	websocket.BaseProtocol
	t *websocket.Transport
}

func (e *echoBack) NegotiationStarted(t *websocket.Transport) { e.t = t }
func (e *echoBack) TextMessageReceived(msg string)            { e.t.SendTextMessage(msg) }

var echoSizes = []int{12, 4 << 10}

// BenchmarkEchoResource measures one round trip of a text message over
// loopback: a client writes it and reads the answer from a Site serving a
// websocket.Resource whose Protocol sends each message back.
func BenchmarkEchoResource(b *testing.B) {
	root := resource.New()
	root.PutChild("echo", websocket.New(func(*request.Request) (websocket.Protocol, error) {
		return &echoBack{}, nil
	}))
	s := site.New(root)
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()
	for _, size := range echoSizes {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			benchEcho(b, "ws"+strings.TrimPrefix(srv.URL, "http")+"/echo", size)
		})
	}
}

// BenchmarkEchoCoder is BenchmarkEchoResource's peer: the same round trip
// with github.com/coder/websocket alone, an http.Handler that accepts the
// connection and writes back each message it reads.
func BenchmarkEchoCoder(b *testing.B) {
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		c, err := cws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil || c.Write(ctx, typ, p) != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer wg.Wait()
	for _, size := range echoSizes {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			benchEcho(b, "ws"+strings.TrimPrefix(srv.URL, "http"), size)
		})
	}
}

// benchEcho connects to url and sends messages of size bytes, each after
// the answer to the one before.
func benchEcho(b *testing.B, url string, size int) {
	ctx := context.Background()
	c, _, err := cws.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	msg := bytes.Repeat([]byte("e"), size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := c.Write(ctx, cws.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, p, err := c.Read(ctx); err != nil || len(p) != size {
			b.Fatalf("read %d bytes: %v", len(p), err)
		}
	}
	b.StopTimer()
	if cpu > 0 {
		// The CPU the round trip costs, client and server: on a busy
		// machine it varies less than the time, which waits for the
		// scheduler.
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	}
	c.Close(cws.StatusNormalClosure, "")
}

// idleClientsEnv, when set to a ws:// URL, makes the test binary the client
// process of BenchmarkIdleConnections.
const idleClientsEnv = "WEBSOCKET_IDLE_CLIENTS"

var idleConns = flag.Int("idle", 5000, "connections BenchmarkIdleConnections holds")

// BenchmarkIdleConnections opens -idle connections from a separate client
// process (this test binary, run again) to a Site, lets them sit idle, and
// reports what each costs the server: its resident memory (RSS, read from
// /proc), the Go heap and stacks in use, and goroutines. Run it with
// -benchtime 1x: each run opens all the connections once.
func BenchmarkIdleConnections(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads the RSS from /proc/self/status")
	}
	b.Run("resource", func(b *testing.B) {
		var open, lost atomic.Int64
		root := resource.New()
		root.PutChild("idle", websocket.New(func(*request.Request) (websocket.Protocol, error) {
			return &idle{open: &open, lost: &lost}, nil
		}))
		_, srv := testutil.Serve(b, root, testutil.Quiet)
		benchIdle(b, "ws"+strings.TrimPrefix(srv.URL, "http")+"/idle", &open, &lost)
	})
	// The peer: github.com/coder/websocket alone, a handler that reads on
	// its own goroutine until the connection ends.
	b.Run("coder", func(b *testing.B) {
		var open, lost atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := cws.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			open.Add(1)
			defer lost.Add(1)
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}))
		defer srv.Close()
		benchIdle(b, "ws"+strings.TrimPrefix(srv.URL, "http"), &open, &lost)
	})
}

// benchIdle opens the connections to url from the client process,
// measures, and closes them; open and lost count the server's connections.
func benchIdle(b *testing.B, url string, open, lost *atomic.Int64) {
	n := *idleConns
	for b.Loop() {
		open.Store(0)
		lost.Store(0)
		rss0, mem0, g0 := measure(b)

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), idleClientsEnv+"="+url, "WEBSOCKET_IDLE_N="+strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatalf("the clients said %q, %v", line, err)
		}
		testutil.Eventually(b, "every connection open", func() bool { return open.Load() == int64(n) })

		rss1, mem1, g1 := measure(b)
		b.ReportMetric(float64(rss1-rss0)/float64(n), "RSS-B/conn")
		b.ReportMetric(float64(mem1-mem0)/float64(n), "heap+stack-B/conn")
		b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/conn")

		stdin.Close() // the clients close their connections and exit
		if err := cmd.Wait(); err != nil {
			b.Fatalf("the client process: %v", err)
		}
		testutil.Eventually(b, "every connection closed", func() bool { return lost.Load() == int64(n) })
	}
}

// idle is the protocol of an idle connection: it counts opens and losses.
type idle struct {
	websocket.BaseProtocol
	open, lost *atomic.Int64
}

func (p *idle) NegotiationFinished() { p.open.Add(1) }
func (p *idle) ConnectionLost(error) { p.lost.Add(1) }

// measure collects garbage, returns free memory to the system, and reads
// the process's RSS, the bytes of heap and stacks in use, and the
// goroutine count.
func measure(b *testing.B) (rss, mem int64, goroutines int) {
	b.Helper()
	for range 5 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			rss = kb << 10
		}
	}
	return rss, int64(ms.HeapInuse + ms.StackInuse), runtime.NumGoroutine()
}

// idleClients is the client process of BenchmarkIdleConnections: it opens
// WEBSOCKET_IDLE_N connections to url, answering the server's pings,
// prints "ready", and closes them when its standard input ends.
func idleClients(url string) int {
	n, err := strconv.Atoi(os.Getenv("WEBSOCKET_IDLE_N"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "WEBSOCKET_IDLE_N:", err)
		return 2
	}
	ctx := context.Background()
	conns := make([]*cws.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				c, _, err := cws.Dial(ctx, url, nil)
				if err != nil {
					errs <- err
					continue
				}
				c.CloseRead(ctx) // answers pings
				conns[i] = c
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "dial:", err)
		return 1
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.CloseNow()
	}
	return 0
}
