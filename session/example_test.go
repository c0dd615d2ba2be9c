package session_test

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gotwisted/web/session"
)

// A counter component, as in Twisted's "Storing Objects in the Session"
// tutorial, where an ICounter adapter gave each session a value.
type Counter struct{ n atomic.Int64 }

func ExampleComponent() {
	s := session.New("5b0e7bc6-8b0a-4a33-9f0e-3a6c5b1d2e4f")

	// Each request of the visitor does this: the first makes the counter.
	for range 3 {
		c := session.Component(s, func() *Counter { return new(Counter) })
		fmt.Println("visits:", c.n.Add(1))
	}
	// Output:
	// visits: 1
	// visits: 2
	// visits: 3
}

func ExampleWithTimeout() {
	// Twisted's ShortSession: a Site sets its SessionFactory to this.
	short := session.WithTimeout(5 * time.Second)

	st := session.NewStore(session.StoreOptions{})
	defer st.Close()

	s := short("0f6b3c52-1d2e-4f3a-8b9c-7d6e5f4a3b2c")
	if err := st.Add(s); err != nil {
		panic(err)
	}
	fmt.Println("timeout:", s.Timeout())
	fmt.Println("deadline:", s.Deadline().Sub(s.LastAccess()))
	_, ok := st.Get(s.UID())
	fmt.Println("live:", ok)

	s.Expire() // what the scheduler does after 5s without a touch
	_, ok = st.Get(s.UID())
	fmt.Println("live after expiry:", ok)
	// Output:
	// timeout: 5s
	// deadline: 5s
	// live: true
	// live after expiry: false
}

func ExampleSession_NotifyOnExpire() {
	st := session.NewStore(session.StoreOptions{})
	defer st.Close()

	s := session.New("3c9a1e7f-2b4d-4e6a-9c8b-1f2e3d4c5b6a")
	if err := st.Add(s); err != nil {
		panic(err)
	}
	s.NotifyOnExpire(func() {
		_, ok := st.Get(s.UID())
		fmt.Println("first callback; still in the store:", ok)
	})
	s.NotifyOnExpire(func() { fmt.Println("second callback") })

	s.Expire()
	s.Expire() // idempotent: the callbacks ran once

	// Registered after expiry: runs at once.
	s.NotifyOnExpire(func() { fmt.Println("late callback") })
	// Output:
	// first callback; still in the store: false
	// second callback
	// late callback
}

func ExampleStore_Rename() {
	st := session.NewStore(session.StoreOptions{})
	defer st.Close()

	s := session.New("11111111-2222-4333-8444-555555555555")
	if err := st.Add(s); err != nil {
		panic(err)
	}
	session.Set(s, "cart: 2 books")

	// At login, give the session a new id against session fixation.
	if err := st.Rename(s, "66666666-7777-4888-9999-aaaaaaaaaaaa"); err != nil {
		panic(err)
	}
	_, oldOK := st.Get("11111111-2222-4333-8444-555555555555")
	got, _ := st.Get("66666666-7777-4888-9999-aaaaaaaaaaaa")
	cart, _ := session.Get[string](got)
	fmt.Println(oldOK, got.UID(), cart)
	// Output:
	// false 66666666-7777-4888-9999-aaaaaaaaaaaa cart: 2 books
}

func ExampleStore_All() {
	st := session.NewStore(session.StoreOptions{})
	defer st.Close()

	type user string
	for i, uid := range []string{
		"aaaaaaaa-0000-4000-8000-000000000001",
		"aaaaaaaa-0000-4000-8000-000000000002",
		"aaaaaaaa-0000-4000-8000-000000000003",
	} {
		s := session.New(uid)
		session.Set(s, user([]string{"alice", "bob", "alice"}[i]))
		if err := st.Add(s); err != nil {
			panic(err)
		}
	}

	// Log alice out everywhere.
	for s := range st.All() {
		if u, _ := session.Get[user](s); u == "alice" {
			s.Expire()
		}
	}
	fmt.Println("live sessions:", st.Len())
	// Output:
	// live sessions: 1
}
