package site_test

import (
	"bufio"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// runChildEnv makes the test binary run runChild instead of the tests, so
// that Run can be tested as what it is for: the main of a process that
// prints where it listens and stops on a signal.
const runChildEnv = "SITE_TEST_RUN_CHILD"

// slowPage starts an asynchronous response and finishes it once the
// server refuses new connections: Run's shutdown has begun with the
// response in flight. If that does not happen within 20 s, the response
// ends otherwise, for the test to fail.
type slowPage struct{ resource.Leaf }

func (slowPage) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("start;"))
	addr := r.HTTPRequest().Context().Value(http.LocalAddrContextKey).(net.Addr).String()
	go func() {
		defer r.Finish()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				r.Write([]byte("end"))
				return
			}
			c.Close()
		}
		r.Write([]byte("still accepting after 20 s"))
	}()
	return nil, resource.NotDoneYet
}

// hangingPage starts an asynchronous response that never finishes.
type hangingPage struct{ resource.Leaf }

func (hangingPage) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("start;"))
	return nil, resource.NotDoneYet
}

// runChildGraceEnv sets the child's ShutdownGrace.
const runChildGraceEnv = "SITE_TEST_RUN_GRACE"

func runChild() {
	root := resource.New()
	root.PutChild("slow", slowPage{})
	root.PutChild("hang", hangingPage{})
	s := site.New(root)
	if g := os.Getenv(runChildGraceEnv); g != "" {
		grace, err := time.ParseDuration(g)
		if err != nil {
			log.Fatal(err)
		}
		s.ShutdownGrace = grace
	}
	if err := s.Run(site.TCP("127.0.0.1:0")); err != nil {
		log.Fatal(err)
	}
	os.Exit(0)
}

// startRunChild starts the test binary as runChild with env added, and
// returns it with the address it printed.
func startRunChild(t *testing.T, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), runChildEnv+"=1"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on http://")
	if err != nil || !ok {
		t.Fatalf("first line %q, %v", line, err)
	}
	return cmd, addr
}

// TestRunProcess starts the test binary as a program that serves with Run,
// and sends it SIGTERM while a response is in flight: the response
// finishes, new connections are refused, and the process exits cleanly.
func TestRunProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, addr := startRunChild(t)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/slow")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			first := make([]byte, len("start;"))
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatal(err)
			}
			cmd.Process.Signal(sig) // the response is in flight
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(first)+string(rest) != "start;end" {
				t.Errorf("in-flight response: %q%q, %v; want it finished", first, rest, err)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit after %v: %v", sig, err)
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				t.Error("the address still accepts after the process stopped")
			}
		})
	}
}

// TestRunSecondSignal: a second SIGINT or SIGTERM during the shutdown
// grace cuts it short, as an impatient operator pressing Ctrl-C again
// expects: the response still in flight is cut off and the process exits
// cleanly at once, not when a grace of ten minutes has run out.
func TestRunSecondSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, addr := startRunChild(t, runChildGraceEnv+"=10m")
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/hang")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadFull(resp.Body, make([]byte, len("start;"))); err != nil {
				t.Fatal(err)
			}
			cmd.Process.Signal(sig)
			// The shutdown has begun once the listener refuses.
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					break
				}
				c.Close()
				if time.Now().After(deadline) {
					t.Fatal("still accepting 20 s after the first signal")
				}
			}
			cmd.Process.Signal(sig)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after a second %v: %v", sig, err)
				}
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("still running 60 s after a second %v", sig)
			}
			if _, err := io.ReadAll(resp.Body); err == nil {
				t.Error("the hanging response ended cleanly; want it cut off")
			}
		})
	}
}
