package session_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/session"
)

func TestNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		uid := uuid.NewString()
		now := time.Now()
		s := session.New(uid)
		if got := s.UID(); got != uid {
			t.Errorf("UID() = %q, want %q", got, uid)
		}
		if got := s.Timeout(); got != session.DefaultTimeout {
			t.Errorf("Timeout() = %v, want %v", got, session.DefaultTimeout)
		}
		if got := s.Lifetime(); got != 0 {
			t.Errorf("Lifetime() = %v, want 0", got)
		}
		if !s.Created().Equal(now) || !s.LastAccess().Equal(now) {
			t.Errorf("Created() = %v, LastAccess() = %v, want both %v", s.Created(), s.LastAccess(), now)
		}
		if want := now.Add(session.DefaultTimeout); !s.Deadline().Equal(want) {
			t.Errorf("Deadline() = %v, want %v", s.Deadline(), want)
		}
		if s.Expired() {
			t.Error("new session is expired")
		}
	})
}

func TestUIDForms(t *testing.T) {
	u := uuid.New()
	tests := []struct {
		name string
		uid  string
		ok   bool
	}{
		{"canonical", u.String(), true},
		{"upper case", strings.ToUpper(u.String()), true},
		{"nil uuid", uuid.Nil.String(), true},
		{"empty", "", false},
		{"short", u.String()[:35], false},
		{"long", u.String() + "0", false},
		{"no hyphens", strings.ReplaceAll(u.String(), "-", ""), false},
		{"braces", "{" + u.String() + "}", false},
		{"urn", "urn:uuid:" + u.String(), false},
		{"hyphen misplaced", u.String()[:7] + "-" + u.String()[7:8] + u.String()[9:], false},
		{"not hex", "g" + u.String()[1:], false},
		{"space", " " + u.String()[1:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				mustPanic(t, "New", func() { session.New(tt.uid) })
				return
			}
			s := session.New(tt.uid)
			if got, want := s.UID(), strings.ToLower(tt.uid); got != want {
				t.Errorf("UID() = %q, want %q", got, want)
			}
		})
	}
}

func TestFactoryPanics(t *testing.T) {
	mustPanic(t, "WithTimeout(0)", func() { session.WithTimeout(0) })
	mustPanic(t, "WithTimeout(-1)", func() { session.WithTimeout(-1) })
	mustPanic(t, "WithLifetime(0, 1)", func() { session.WithLifetime(0, time.Second) })
	mustPanic(t, "WithLifetime(1, -1)", func() { session.WithLifetime(time.Second, -1) })
	mustPanic(t, "NotifyOnExpire(nil)", func() { session.New(uuid.NewString()).NotifyOnExpire(nil) })
}

func TestFactories(t *testing.T) {
	tests := []struct {
		name              string
		f                 session.Factory
		timeout, lifetime time.Duration
	}{
		{"New", session.New, session.DefaultTimeout, 0},
		{"WithTimeout", session.WithTimeout(5 * time.Second), 5 * time.Second, 0},
		{"WithLifetime", session.WithLifetime(time.Minute, time.Hour), time.Minute, time.Hour},
		{"WithLifetime no max", session.WithLifetime(time.Minute, 0), time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.f(uuid.NewString())
			if s.Timeout() != tt.timeout || s.Lifetime() != tt.lifetime {
				t.Errorf("Timeout, Lifetime = %v, %v; want %v, %v", s.Timeout(), s.Lifetime(), tt.timeout, tt.lifetime)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s := session.WithLifetime(time.Minute, 150*time.Second)(uuid.NewString())
		steps := []struct {
			touch time.Duration // offset from t0 given to TouchAt
			want  time.Duration // deadline offset from t0 afterwards
		}{
			{0, time.Minute},
			{30 * time.Second, 90 * time.Second},
			{10 * time.Second, 90 * time.Second}, // earlier touch ignored
			{80 * time.Second, 140 * time.Second},
			{85 * time.Second, 145 * time.Second},
			{100 * time.Second, 150 * time.Second}, // capped by the lifetime
			{time.Hour, 150 * time.Second},
		}
		for _, st := range steps {
			session.TouchAt(s, t0.Add(st.touch))
			if got := s.Deadline().Sub(t0); got != st.want {
				t.Errorf("after TouchAt(t0+%v): Deadline = t0+%v, want t0+%v", st.touch, got, st.want)
			}
		}
		if got := s.LastAccess().Sub(t0); got != time.Hour {
			t.Errorf("LastAccess = t0+%v, want t0+1h", got)
		}
	})
}

// TestTouchIfLive touches a session (1 minute idle, 150 s lifetime) at
// times around its deadlines: only a time before the deadline touches it.
func TestTouchIfLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		s := session.WithLifetime(time.Minute, 150*time.Second)(uuid.NewString())
		steps := []struct {
			at   time.Duration // offset from t0
			live bool
			want time.Duration // deadline offset from t0 afterwards
		}{
			{59 * time.Second, true, 119 * time.Second},
			{119 * time.Second, false, 119 * time.Second}, // at the idle deadline
			{118 * time.Second, true, 150 * time.Second},  // capped by the lifetime
			{150 * time.Second, false, 150 * time.Second}, // at the lifetime
		}
		for _, st := range steps {
			if got := session.TouchIfLive(s, t0.Add(st.at)); got != st.live {
				t.Errorf("TouchIfLive(t0+%v) = %v, want %v", st.at, got, st.live)
			}
			if got := s.Deadline().Sub(t0); got != st.want {
				t.Errorf("after TouchIfLive(t0+%v): Deadline = t0+%v, want t0+%v", st.at, got, st.want)
			}
		}
		live := session.New(uuid.NewString())
		live.Expire()
		if session.TouchIfLive(live, t0) {
			t.Error("TouchIfLive on an expired session = true")
		}
	})
}

func TestDeadlineSaturates(t *testing.T) {
	s := session.WithTimeout(time.Duration(1<<63 - 1))(uuid.NewString())
	if d := s.Deadline(); d.Before(time.Now()) {
		t.Errorf("Deadline() = %v overflowed", d)
	}
}

func TestExpiresExactlyAtTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		s := add(t, st, session.WithTimeout(time.Second))
		uid := s.UID()
		time.Sleep(time.Second - 1)
		synctest.Wait()
		if _, ok := session.LookupOK(st, uid); !ok || s.Expired() {
			t.Fatal("session gone 1ns before its timeout")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if _, ok := session.LookupOK(st, uid); ok || !s.Expired() {
			t.Fatal("session alive at its timeout")
		}
		if st.Len() != 0 {
			t.Errorf("Len() = %d, want 0", st.Len())
		}
	})
}

func TestTouchPostpones(t *testing.T) {
	for _, name := range []string{"Touch", "TouchAt"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newStore(t, session.Options{})
				s := add(t, st, session.WithTimeout(time.Second))
				t0 := time.Now()
				// Touch three times; each postpones the expiry by exactly
				// the timeout from the touch.
				for range 3 {
					time.Sleep(700 * time.Millisecond)
					if name == "Touch" {
						s.Touch()
					} else {
						session.TouchAt(s, time.Now())
					}
				}
				last := t0.Add(2100 * time.Millisecond)
				if !s.LastAccess().Equal(last) {
					t.Fatalf("LastAccess = %v, want %v", s.LastAccess(), last)
				}
				time.Sleep(time.Until(last.Add(time.Second)) - 1)
				synctest.Wait()
				if s.Expired() || st.Len() != 1 {
					t.Fatal("touched session gone before its new deadline")
				}
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				if !s.Expired() || st.Len() != 0 {
					t.Fatal("touched session alive at its new deadline")
				}
			})
		})
	}
}

func TestLifetimeBeatsTouching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		s := add(t, st, session.WithLifetime(time.Second, 3*time.Second))
		t0 := time.Now()
		for time.Since(t0) < 3*time.Second-100*time.Millisecond {
			time.Sleep(100 * time.Millisecond)
			s.Touch()
			synctest.Wait()
			if s.Expired() {
				t.Fatalf("expired at t0+%v, before its lifetime", time.Since(t0))
			}
		}
		time.Sleep(time.Until(t0.Add(3 * time.Second)))
		synctest.Wait()
		if !s.Expired() {
			t.Fatal("alive at the end of its lifetime")
		}
	})
}

func TestCallbacksInOrderOnceAfterRemoval(t *testing.T) {
	for _, how := range []string{"Expire", "scheduler"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newStore(t, session.Options{})
				s := add(t, st, session.WithTimeout(time.Second))
				uid := s.UID()
				var got []int
				for i := range 5 {
					s.NotifyOnExpire(func() {
						if _, ok := session.LookupOK(st, uid); ok {
							t.Errorf("callback %d: session still in the store", i)
						}
						if !s.Expired() {
							t.Errorf("callback %d: Expired() = false", i)
						}
						got = append(got, i)
					})
				}
				if how == "Expire" {
					s.Expire()
					s.Expire()
				} else {
					time.Sleep(time.Second)
					synctest.Wait()
					s.Expire()
				}
				if want := []int{0, 1, 2, 3, 4}; !equal(got, want) {
					t.Errorf("callbacks ran %v, want %v", got, want)
				}
			})
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestExpireConcurrent(t *testing.T) {
	st := newStore(t, session.Options{})
	s := add(t, st, session.New)
	var n atomic.Int32
	s.NotifyOnExpire(func() { n.Add(1) })
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { s.Expire() })
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("callback ran %d times, want 1", n.Load())
	}
	if st.Len() != 0 || session.HeapLen(st) != 0 {
		t.Errorf("Len() = %d, heap %d after Expire; want 0, 0", st.Len(), session.HeapLen(st))
	}
}

func TestNotifyAfterExpireRunsAtOnce(t *testing.T) {
	s := session.New(uuid.NewString())
	s.Expire()
	ran := false
	s.NotifyOnExpire(func() { ran = true })
	if !ran {
		t.Error("callback registered after expiry did not run at once")
	}
}

func TestPanickingCallbackLogged(t *testing.T) {
	for _, how := range []string{"Expire", "scheduler"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var buf bytes.Buffer
				var mu sync.Mutex
				logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
				st := newStore(t, session.Options{Logger: logger})
				s := add(t, st, session.WithTimeout(time.Second))
				var ran []string
				s.NotifyOnExpire(func() { ran = append(ran, "first") })
				s.NotifyOnExpire(func() { panic("boom in callback") })
				s.NotifyOnExpire(func() { ran = append(ran, "third") })
				if how == "Expire" {
					s.Expire()
				} else {
					time.Sleep(time.Second)
					synctest.Wait()
				}
				if len(ran) != 2 {
					t.Errorf("callbacks ran: %v, want first and third", ran)
				}
				mu.Lock()
				out := buf.String()
				mu.Unlock()
				for _, want := range []string{"level=ERROR", "panic in expiry callback", "boom in callback", s.UID(), "runtime/debug.Stack"} {
					if !strings.Contains(out, want) {
						t.Errorf("log lacks %q:\n%s", want, out)
					}
				}
			})
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

func TestReentrantCallback(t *testing.T) {
	for _, how := range []string{"Expire", "scheduler"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newStore(t, session.Options{})
				s := add(t, st, session.WithTimeout(time.Second))
				var steps []string
				s.NotifyOnExpire(func() {
					s.Touch()
					session.TouchAt(s, time.Now().Add(time.Hour))
					s.Expire()
					s.NotifyOnExpire(func() { steps = append(steps, "inner") })
					type note string
					session.Set(s, note("x"))
					_ = session.Component(s, func() int { return 1 })
					_ = s.UID()
					if _, ok := session.LookupOK(st, s.UID()); ok {
						t.Error("Get found the session inside its callback")
					}
					steps = append(steps, "outer")
				})
				s.NotifyOnExpire(func() { steps = append(steps, "second") })
				if how == "Expire" {
					s.Expire()
				} else {
					time.Sleep(time.Second)
					synctest.Wait()
				}
				if want := "inner outer second"; strings.Join(steps, " ") != want {
					t.Errorf("steps %q, want %q", steps, want)
				}
				if st.Len() != 0 {
					t.Errorf("Len() = %d after a touch in the callback, want 0", st.Len())
				}
			})
		})
	}
}

func TestTouchAfterExpireDoesNotRevive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, session.Options{})
		s := add(t, st, session.WithTimeout(time.Second))
		s.Expire()
		s.Touch()
		if !s.Expired() || st.Len() != 0 {
			t.Error("Touch revived an expired session")
		}
	})
}

// TestHammer runs every operation on one session from many goroutines; it
// is meant for -race.
func TestHammer(t *testing.T) {
	st := newStore(t, session.Options{})
	s := add(t, st, session.WithTimeout(time.Hour))
	uid := s.UID()
	var updated, fired atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range 16 {
		wg.Go(func() {
			<-start
			for i := range 200 {
				switch (g + i) % 8 {
				case 0:
					s.Touch()
				case 1:
					session.TouchAt(s, time.Now())
				case 2:
					if session.Update(s, nil, func(c *Counter) error { c.Value++; return nil }) == nil {
						updated.Add(1)
					}
				case 3:
					s.NotifyOnExpire(func() { fired.Add(1) })
				case 4:
					if got, ok := session.LookupOK(st, uid); ok && got != s {
						t.Error("Get returned another session")
					}
				case 5:
					_ = s.Deadline()
					_ = s.Expired()
					_ = s.UID()
					_ = s.LastAccess()
				case 6:
					if i > 150 {
						s.Expire()
					}
				case 7:
					for x := range st.All() {
						_ = x.UID()
					}
					_ = st.Len()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	s.Expire()
	if got := session.Component[Counter](s, nil).Value; got != int(updated.Load()) {
		t.Errorf("counter = %d after %d updates", got, updated.Load())
	}
	if want := int32(16 * 200 / 8); fired.Load() != want {
		t.Errorf("%d callbacks ran, want %d", fired.Load(), want)
	}
	if _, ok := session.LookupOK(st, uid); ok || st.Len() != 0 {
		t.Error("session still in the store")
	}
}

func BenchmarkTouchAt(b *testing.B) {
	s := session.New(uuid.NewString())
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		session.TouchAt(s, now.Add(time.Duration(i)))
	}
}

func TestTouchAtAllocs(t *testing.T) {
	s := session.New(uuid.NewString())
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() { now = now.Add(1); session.TouchAt(s, now) }); n != 0 {
		t.Errorf("TouchAt allocates %v times, want 0", n)
	}
}
