package session_test

import (
	"fmt"
	"time"

	"github.com/gotwisted/web/session"
)

// A counter component, as in Twisted's "Storing Objects in the Session"
// tutorial, where an ICounter adapter gave each session a value.
type Counter struct{ Value int }

func ExampleUpdate() {
	m := session.NewManager(session.Options{})
	defer m.Close()
	s, err := m.Make()
	if err != nil {
		panic(err)
	}

	// Each request of the visitor does this: the first makes the counter.
	for range 3 {
		err := session.Update(s, nil, func(c *Counter) error {
			c.Value++
			return nil
		})
		if err != nil {
			panic(err)
		}
		fmt.Println("visits:", session.Component[Counter](s, nil).Value)
	}
	// Output:
	// visits: 1
	// visits: 2
	// visits: 3
}

func ExampleComponent() {
	s := session.New("5b0e7bc6-8b0a-4a33-9f0e-3a6c5b1d2e4f")

	// A token made on first use, the same for every later request of the
	// session (a form's CSRF token, say).
	type Token string
	n := 0
	newToken := func() Token { n++; return Token(fmt.Sprint("token-", n)) }
	fmt.Println(session.Component(s, newToken))
	fmt.Println(session.Component(s, newToken))
	// Output:
	// token-1
	// token-1
}

func ExampleWithTimeout() {
	// Twisted's ShortSession: a Site sets its SessionFactory to this.
	m := session.NewManager(session.Options{Factory: session.WithTimeout(5 * time.Second)})
	defer m.Close()

	s, err := m.Make()
	if err != nil {
		panic(err)
	}
	fmt.Println("timeout:", s.Timeout())
	fmt.Println("deadline:", s.Deadline().Sub(s.LastAccess()))
	_, err = m.Lookup(s.UID())
	fmt.Println("live:", err == nil)

	s.Expire() // what the scheduler does after 5s without a touch
	_, err = m.Lookup(s.UID())
	fmt.Println("after expiry:", err)
	// Output:
	// timeout: 5s
	// deadline: 5s
	// live: true
	// after expiry: session: no live session with that uid
}

func ExampleSession_NotifyOnExpire() {
	m := session.NewManager(session.Options{})
	defer m.Close()

	s, err := m.Make()
	if err != nil {
		panic(err)
	}
	s.NotifyOnExpire(func() {
		_, err := m.Lookup(s.UID())
		fmt.Println("first callback; still found:", err == nil)
	})
	s.NotifyOnExpire(func() { fmt.Println("second callback") })

	s.Expire()
	s.Expire() // idempotent: the callbacks ran once

	// Registered after expiry: runs at once.
	s.NotifyOnExpire(func() { fmt.Println("late callback") })
	// Output:
	// first callback; still found: false
	// second callback
	// late callback
}

func ExampleManager_Renew() {
	m := session.NewManager(session.Options{})
	defer m.Close()

	s, err := m.Make()
	if err != nil {
		panic(err)
	}
	type cart string
	if err := session.Update(s, nil, func(c *cart) error { *c = "2 books"; return nil }); err != nil {
		panic(err)
	}
	old := s.UID()

	// At login, give the session a new id against session fixation.
	if err := m.Renew(s); err != nil {
		panic(err)
	}
	_, errOld := m.Lookup(old)
	got, _ := m.Lookup(s.UID())
	fmt.Println(errOld == session.ErrNotFound, got == s, session.Component[cart](got, nil))
	// Output:
	// true true 2 books
}

func ExampleManager_All() {
	m := session.NewManager(session.Options{})
	defer m.Close()

	type user string
	for _, name := range []user{"alice", "bob", "alice"} {
		s, err := m.Make()
		if err != nil {
			panic(err)
		}
		if err := session.Update(s, nil, func(u *user) error { *u = name; return nil }); err != nil {
			panic(err)
		}
	}

	// Log alice out everywhere.
	for s := range m.All() {
		if session.Component[user](s, nil) == "alice" {
			s.Expire()
		}
	}
	fmt.Println("live sessions:", m.Len())
	// Output:
	// live sessions: 1
}
