package session

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestClockFollowsBubble checks that a clock made in a synctest bubble
// tells the bubble's time, to the nanosecond, as time passes.
func TestClockFollowsBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClock()
		m := NewManager(Options{})
		defer m.Close()
		for _, d := range []time.Duration{0, time.Nanosecond, time.Second, 90 * time.Minute} {
			time.Sleep(d)
			if got, want := c.unixNano(), time.Now().UnixNano(); got != want {
				t.Fatalf("after %v: clock = %v, want %v", d, got, want)
			}
			if got, want := m.Now(), time.Now(); !got.Equal(want) {
				t.Fatalf("after %v: Manager.Now() = %v, want %v", d, got, want)
			}
		}
		var nilClock *clock
		if got, want := nilClock.unixNano(), time.Now().UnixNano(); got != want {
			t.Errorf("nil clock = %v, want %v", got, want)
		}
	})
}

// TestManagerRunsOnItsClock shows that deadlines are on the Manager's clock
// alone, whatever the wall clock says. The Manager's clock is set an hour
// ahead of time.Now, as it would be after the wall clock was stepped back
// an hour: a Session stamped by time.Now in its factory must not be due
// at once, and Touch must postpone it from the clock's now.
func TestManagerRunsOnItsClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		epoch := time.Now()
		m := NewManager(Options{Factory: WithTimeout(5 * time.Minute)})
		defer m.Close()
		m.clock = &clock{epoch: epoch, base: epoch.Add(time.Hour).UnixNano()}
		m.mem.clock = m.clock

		s, err := m.Make()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Created(), m.Now(); !got.Equal(want) {
			t.Errorf("Created() = %v after Add, want the store clock's %v", got, want)
		}
		if !s.LastAccess().Equal(s.Created()) {
			t.Errorf("LastAccess() = %v after Add, want Created() %v", s.LastAccess(), s.Created())
		}

		time.Sleep(4 * time.Minute)
		synctest.Wait()
		if s.Expired() {
			t.Fatal("expired 4 minutes after Add, timeout 5 minutes")
		}
		s.Touch()
		time.Sleep(4*time.Minute + 59*time.Second)
		synctest.Wait()
		if s.Expired() {
			t.Fatal("expired 4m59s after Touch, timeout 5 minutes")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if !s.Expired() {
			t.Fatal("still live 5 minutes after Touch")
		}
	})
}

// BenchmarkClockNow compares a clock read with time.Now.
func BenchmarkClockNow(b *testing.B) {
	b.Run("Clock", func(b *testing.B) {
		c := newClock()
		for b.Loop() {
			_ = c.unixNano()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now().UnixNano()
		}
	})
}
