// Command soak holds a Site under hostile traffic for a while and reports,
// once a second, what the server process spends: resident memory, Go heap,
// goroutines, open files, live sessions, and the slowest answer a normal
// client got. It is not part of CI; docs/reliability.md records a run.
//
//	go run ./internal/soak -duration 10m
//
// The server runs in this process with the Site's defaults (but for a short
// session timeout, so that the sessions made by the flood expire during the
// run); the load comes from a second process, this program started again
// with -load, so that its memory and goroutines are not counted. The load:
// cookieless requests that each make a session, as fast as they go; bodies
// trickled one byte at a time; urlencoded and multipart form floods; and
// connections dropped in the middle of requests and of asynchronous
// responses. After -duration the load stops, and the report goes on for
// -settle, long enough to see the sessions expire and the memory return.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

func main() {
	duration := flag.Duration("duration", 10*time.Minute, "how long the load runs")
	settle := flag.Duration("settle", 90*time.Second, "how long the report goes on after the load stops")
	timeout := flag.Duration("session-timeout", 20*time.Second, "the sessions' idle timeout")
	load := flag.String("load", "", "run as the load against this address (internal)")
	flag.Parse()
	if *load != "" {
		runLoad(*load)
		return
	}
	serve(*duration, *settle, *timeout)
}

// counter is the session component the flood's sessions get.
type counter struct{ n int }

// pages of the soak's tree.
type (
	home      struct{ resource.Leaf }
	sessioned struct{ resource.Leaf }
	form      struct{ resource.Leaf }
	slow      struct{ resource.Leaf }
)

func (home) RenderGET(*request.Request) ([]byte, error) { return []byte("ok"), nil }

func (sessioned) RenderGET(r *request.Request) ([]byte, error) {
	c := session.Component(r.GetSession(), func() *counter { return new(counter) })
	return []byte(fmt.Sprint(c.n)), nil
}

func (form) RenderPOST(r *request.Request) ([]byte, error) {
	if _, err := r.Args(); err != nil {
		return nil, err
	}
	return []byte("parsed"), nil
}

func (slow) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			r.FinishWith([]byte("late"))
		case <-r.NotifyFinish():
		}
	}()
	return nil, resource.NotDoneYet
}

func serve(duration, settle, timeout time.Duration) {
	root := resource.New()
	root.PutChild("", home{})
	root.PutChild("session", sessioned{})
	root.PutChild("form", form{})
	root.PutChild("slow", slow{})
	s := site.New(root)
	s.SessionFactory = session.WithTimeout(timeout)
	s.Logger = slog.New(slog.DiscardHandler) // the refusals are expected
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	addr := ln.Addr().String()

	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	cmd := exec.CommandContext(ctx, os.Args[0], "-load", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	go cmd.Wait()

	fmt.Println("second  rss_MiB  heap_MiB  goroutines  fds  sessions  probe_max_ms") // heap: in use after a GC
	start := time.Now()
	probe := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for tick := time.NewTicker(time.Second); time.Since(start) < duration+settle; <-tick.C {
		worst := time.Duration(0)
		for range 10 { // a normal client, ten times a second
			t0 := time.Now()
			resp, err := probe.Get("http://" + addr + "/")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			d := time.Since(t0)
			if err != nil {
				d = probe.Timeout
			}
			worst = max(worst, d)
			time.Sleep(100*time.Millisecond - min(d, 100*time.Millisecond))
		}
		runtime.GC() // so that the heap figure is what is live, not what awaits collection
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("%6.0f  %7.1f  %8.1f  %10d  %3d  %8d  %12.1f\n",
			time.Since(start).Seconds(), float64(rss())/(1<<20), float64(ms.HeapInuse)/(1<<20),
			runtime.NumGoroutine(), fds(), s.SessionCount(), float64(worst)/float64(time.Millisecond))
	}
}

// rss returns the process's resident set size in bytes.
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(v, &kb)
			return kb << 10
		}
	}
	return 0
}

// fds returns the number of open file descriptors.
func fds() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

// runLoad sends the hostile traffic until the server's process stops it.
func runLoad(addr string) {
	var wg sync.WaitGroup
	every := func(n int, f func(c *http.Client)) {
		for range n {
			wg.Go(func() {
				c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				for {
					f(c)
				}
			})
		}
	}
	base := "http://" + addr
	// Cookieless visitors: every request makes a session.
	every(4, func(c *http.Client) {
		if resp, err := c.Get(base + "/session"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	// Form floods: a million short fields, then 100,000 multipart parts.
	fields := strings.Repeat("a=b&", 1<<20)
	var mp strings.Builder
	for range 100_000 {
		mp.WriteString("--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n")
	}
	mp.WriteString("--XX--\r\n")
	parts := mp.String()
	every(1, func(c *http.Client) {
		post(c, base+"/form", "application/x-www-form-urlencoded", fields)
		post(c, base+"/form", "multipart/form-data; boundary=XX", parts)
	})
	// Trickled bodies: a byte now and then, on 50 connections at a time.
	for range 50 {
		wg.Go(func() {
			for {
				trickle(addr)
			}
		})
	}
	// Dropped connections: mid-request, and mid-asynchronous response.
	every(2, func(*http.Client) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		if rand.IntN(2) == 0 {
			fmt.Fprint(c, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
		} else {
			fmt.Fprint(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		time.Sleep(10 * time.Millisecond)
		c.Close()
	})
	wg.Wait()
}

func post(c *http.Client, url, ctype, body string) {
	if resp, err := c.Post(url, ctype, strings.NewReader(body)); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// trickle sends a body one byte every five seconds until the server cuts
// the connection.
func trickle(addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		time.Sleep(time.Second)
		return
	}
	defer c.Close()
	fmt.Fprint(c, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")
	for {
		if _, err := c.Write([]byte("a")); err != nil {
			return
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || !isTimeout(err) {
			return // answered (408) or closed
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
