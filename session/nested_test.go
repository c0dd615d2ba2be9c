package session_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/session"
)

// nestedChildEnv names the environment variable that makes the test binary
// run nestedUpdatesChild: "memory" or "store".
const nestedChildEnv = "SESSION_TEST_NESTED_CHILD"

// nestedUpdatesChild runs, in a process of its own, two goroutines that
// nest Updates of two components of one session in opposite orders, each
// holding its outer component's turn when it asks for the inner one's;
// it prints "deadlock" once both wait for the other's turn, or "finished"
// if both return, and exits.
func nestedUpdatesChild(where string) {
	var opts session.Options
	if where == "store" {
		opts.Store = newFakeStore()
	}
	m := session.NewManager(opts)
	s, err := m.Make()
	if err == nil {
		err = m.Save(s)
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	var holding sync.WaitGroup // both hold their outer component's turn
	holding.Add(2)
	done := make(chan error, 2)
	go func() {
		done <- session.Update(s, nil, func(c *Counter) error {
			holding.Done()
			holding.Wait()
			return session.Update(s, nil, func(k *cart) error { return nil })
		})
	}()
	go func() {
		done <- session.Update(s, nil, func(k *cart) error {
			holding.Done()
			holding.Wait()
			return session.Update(s, nil, func(c *Counter) error { return nil })
		})
	}()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if len(done) == 2 {
			fmt.Println("finished")
			os.Exit(0)
		}
		if waitingNested() == 2 {
			fmt.Println("deadlock")
			os.Exit(0)
		}
	}
	fmt.Println("neither finished nor deadlocked")
	os.Exit(1)
}

// waitingNested counts the goroutines waiting for a lock in an Update
// called from inside another Update's f.
func waitingNested() int {
	n := 0
	for g := range strings.SplitSeq(testutil.Stacks(), "\n\n") {
		if strings.Count(g, "session.Update[") >= 2 && strings.Contains(g, "sync.(*Mutex).Lock(") {
			n++
		}
	}
	return n
}

// TestNestedUpdatesOppositeOrders shows what Update's doc warns of: two
// goroutines that nest Updates of the same two components of a session in
// opposite orders wait for each other for ever, each holding the turn of
// the component the other needs, in memory and with a Store. The deadlock
// runs in a child process, which reports it and exits.
func TestNestedUpdatesOppositeOrders(t *testing.T) {
	for _, where := range []string{"memory", "store"} {
		t.Run(where, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			// Under -race, the child would sleep a second at exit.
			gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
			cmd.Env = append(os.Environ(), nestedChildEnv+"="+where, "GORACE="+gorace)
			out, err := cmd.CombinedOutput()
			if got := strings.TrimSpace(string(out)); err != nil || got != "deadlock" {
				t.Fatalf("child: %q, %v; want \"deadlock\"", got, err)
			}
		})
	}
}

// TestNestedUpdatesOneOrder: nesting Updates of two components in one
// order, as Update's doc asks, is safe from any number of goroutines, in
// memory and with a Store.
func TestNestedUpdatesOneOrder(t *testing.T) {
	for _, where := range []string{"memory", "store"} {
		t.Run(where, func(t *testing.T) {
			var opts session.Options
			if where == "store" {
				opts.Store = newFakeStore()
			}
			m := session.NewManager(opts)
			defer m.Close()
			s, err := m.Make()
			if err != nil {
				t.Fatal(err)
			}
			const goroutines, each = 8, 50
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					for range each {
						err := session.Update(s, nil, func(c *Counter) error {
							c.Value++
							return session.Update(s, nil, func(k *cart) error {
								k.Items = append(k.Items, "x")
								return nil
							})
						})
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			select {
			case <-finished:
			case <-time.After(time.Minute):
				t.Fatal("nested Updates in one order deadlock")
			}
			c, _ := session.Get[Counter](s)
			k, _ := session.Get[cart](s)
			if c.Value != goroutines*each || len(k.Items) != goroutines*each {
				t.Fatalf("counter %d, cart of %d items; want %d of each", c.Value, len(k.Items), goroutines*each)
			}
		})
	}
}

// TestStoredNestedUpdateSameStripe: an Update whose f updates another
// component of the same session returns, also when the two components
// fall in one stripe of the Manager's update locks (an Update with a
// Store once held its stripe while f ran, and deadlocked here).
func TestStoredNestedUpdateSameStripe(t *testing.T) {
	_, m, _ := twoProcesses(t, session.New)
	var s *session.Session
	for range 10_000 {
		x, err := m.Make()
		if err != nil {
			t.Fatal(err)
		}
		if session.SameUpdateStripe[Counter, cart](m, x) {
			s = x
			break
		}
	}
	if s == nil {
		t.Fatal("no session whose Counter and cart share a stripe")
	}
	if err := m.Save(s); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- session.Update(s, nil, func(c *Counter) error {
			c.Value++
			return session.Update(s, nil, func(k *cart) error {
				k.Items = append(k.Items, "x")
				return nil
			})
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a nested Update of another component deadlocks")
	}
	got, err := m.Lookup(s.UID())
	if err != nil {
		t.Fatal(err)
	}
	if c, k := session.Component[Counter](got, nil), session.Component[cart](got, nil); c.Value != 1 || len(k.Items) != 1 {
		t.Fatalf("after the nested updates: %+v %+v", c, k)
	}
}
