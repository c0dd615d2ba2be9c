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

func runChild() {
	root := resource.New()
	root.PutChild("slow", slowPage{})
	if err := site.New(root).Run(site.TCP("127.0.0.1:0")); err != nil {
		log.Fatal(err)
	}
	os.Exit(0)
}

// TestRunProcess starts the test binary as a program that serves with Run,
// and sends it SIGTERM while a response is in flight: the response
// finishes, new connections are refused, and the process exits cleanly.
func TestRunProcess(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), runChildEnv+"=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on http://")
			if err != nil || !ok {
				t.Fatalf("first line %q, %v", line, err)
			}
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
