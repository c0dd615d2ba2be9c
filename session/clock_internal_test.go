package session

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
)

// TestClockFollowsBubble checks that a Clock made in a synctest bubble
// tells the bubble's time, to the nanosecond, as time passes.
func TestClockFollowsBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock()
		for _, d := range []time.Duration{0, time.Nanosecond, time.Second, 90 * time.Minute} {
			time.Sleep(d)
			if got, want := c.Now(), time.Now(); !got.Equal(want) {
				t.Fatalf("after %v: Clock.Now() = %v, want %v", d, got, want)
			}
		}
		var nilClock *Clock
		if got, want := nilClock.Now(), time.Now(); !got.Equal(want) {
			t.Errorf("nil Clock.Now() = %v, want %v", got, want)
		}
	})
}

// TestStoreRunsOnItsClock shows that deadlines are on the Store's clock
// alone, whatever the wall clock says. The Store's clock is set an hour
// ahead of time.Now, as it would be after the wall clock was stepped back
// an hour: a Session stamped by time.Now in its factory must not be due
// at once, and Touch must postpone it from the clock's now.
func TestStoreRunsOnItsClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := NewStore(StoreOptions{})
		defer st.Close()
		epoch := time.Now()
		st.clock = &Clock{epoch: epoch, base: epoch.Add(time.Hour).UnixNano()}

		s := WithTimeout(5 * time.Minute)(uuid.NewString())
		if err := st.Add(s); err != nil {
			t.Fatal(err)
		}
		if got, want := s.Created(), st.Clock().Now(); !got.Equal(want) {
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

// BenchmarkClockNow compares a Clock read with time.Now.
func BenchmarkClockNow(b *testing.B) {
	b.Run("Clock", func(b *testing.B) {
		c := NewClock()
		for b.Loop() {
			_ = c.UnixNano()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now().UnixNano()
		}
	})
}
