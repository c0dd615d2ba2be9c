package site_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
	"github.com/gotwisted/web/site"
)

// raceRecorder is what the /hit route of TestSessionRace records.
type raceRecorder struct {
	counters   sync.Map     // uid -> *session.Session, stored by the component's constructor
	sessions   atomic.Int64 // components made: one per session
	expiredOne atomic.Int64 // sessions whose constructor's callback ran
	registered atomic.Int64 // per-request callbacks registered
	ran        atomic.Int64 // per-request callbacks run
}

func (rr *raceRecorder) hit(r *request.Request) string {
	for {
		s := r.GetSession()
		uid := s.UID()
		var n int64
		err := session.Update(s, func() sessCounter {
			rr.counters.Store(uid, s)
			rr.sessions.Add(1)
			s.NotifyOnExpire(func() { rr.expiredOne.Add(1) })
			return sessCounter{}
		}, func(c *sessCounter) error {
			c.N++
			n = c.N
			return nil
		})
		if errors.Is(err, session.ErrNotLive) {
			continue // expired meanwhile: GetSession makes a new one
		}
		if err != nil {
			return err.Error()
		}
		rr.registered.Add(1)
		s.NotifyOnExpire(func() { rr.ran.Add(1) })
		s.Touch()
		return uid + " " + strconv.FormatInt(n, 10)
	}
}

// TestSessionRace shares one session cookie between many concurrent
// clients over real HTTP while other goroutines touch, look up and expire
// that session directly. Run it with -race. Every increment of a session's
// counter must be seen exactly once, and every callback must run once.
func TestSessionRace(t *testing.T) {
	workers, perWorker := 16, 200
	if testing.Short() {
		perWorker = 50
	}
	var rr raceRecorder
	root := resource.New()
	root.PutChild("hit", &sessFunc{f: rr.hit})
	s := site.New(root)
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = workers

	var cookie atomic.Pointer[string] // the uid the clients send
	first := ""
	cookie.Store(&first)
	var done atomic.Int64 // requests answered

	// Interferers: touch and look up the shared session, expire it every
	// 100 requests, and walk the Site's sessions.
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		next := int64(100)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if sess, ok := lookup(s, *cookie.Load()); ok {
				sess.Touch()
				if done.Load() >= next {
					next += 100
					sess.Expire()
				}
			}
			runtime.Gosched()
		}
	})
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for sess := range s.Sessions() {
				sess.Touch()
				_ = sess.Deadline()
			}
			_ = s.SessionCount()
			runtime.Gosched()
		}
	})

	const clearingCookie = "TWISTED_SESSION=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
	type seen map[string][]int64 // uid -> the counter values answered
	results := make([]seen, workers)
	var wg sync.WaitGroup
	for w := range workers {
		results[w] = seen{}
		wg.Go(func() {
			for range perWorker {
				req, err := http.NewRequest("GET", srv.URL+"/hit", nil)
				if err != nil {
					t.Error(err)
					return
				}
				if uid := *cookie.Load(); uid != "" {
					req.Header.Set("Cookie", cookieOf(uid))
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				uid, n, ok := strings.Cut(string(body), " ")
				v, perr := strconv.ParseInt(n, 10, 64)
				if err != nil || !ok || perr != nil || resp.StatusCode != http.StatusOK {
					t.Errorf("GET /hit: %d %q %v", resp.StatusCode, body, err)
					return
				}
				results[w][uid] = append(results[w][uid], v)
				switch c := resp.Header.Get("Set-Cookie"); c {
				case "":
				case clearingCookie:
					// Another goroutine expired the session after this
					// request found it: the response clears the cookie.
				case defaultCookie(uid):
					cookie.Store(&uid)
				default:
					t.Errorf("Set-Cookie %q for session %s", c, uid)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()

	// Expire what is left, so that every callback has run.
	for sess := range s.Sessions() {
		sess.Expire()
	}
	if n := s.SessionCount(); n != 0 {
		t.Fatalf("%d sessions left", n)
	}

	all := seen{}
	total := 0
	for _, r := range results {
		for uid, vs := range r {
			all[uid] = append(all[uid], vs...)
			total += len(vs)
		}
	}
	if total != workers*perWorker {
		t.Fatalf("%d answers, want %d", total, workers*perWorker)
	}
	for uid, vs := range all {
		slices.Sort(vs)
		for i, v := range vs {
			if v != int64(i+1) {
				t.Fatalf("session %s: counter values %v, want 1..%d", uid, vs, len(vs))
			}
		}
		sess, ok := rr.counters.Load(uid)
		if !ok {
			t.Fatalf("session %s has no counter", uid)
		}
		if got := session.Component[sessCounter](sess.(*session.Session), nil).N; got != int64(len(vs)) {
			t.Fatalf("session %s: counter %d, %d answers", uid, got, len(vs))
		}
	}
	if got := rr.sessions.Load(); got != int64(len(all)) {
		t.Errorf("%d components made for %d sessions", got, len(all))
	}
	if got, want := rr.expiredOne.Load(), rr.sessions.Load(); got != want {
		t.Errorf("%d sessions expired, want %d", got, want)
	}
	if got, want := rr.ran.Load(), rr.registered.Load(); got != want {
		t.Errorf("%d callbacks ran, %d registered", got, want)
	}
	t.Logf("%d requests, %d sessions", total, len(all))
}

// TestGetSessionConcurrentInOneRequest: goroutines of one request that ask
// for the session at once share one session and one cookie; no orphan
// session is kept.
func TestGetSessionConcurrentInOneRequest(t *testing.T) {
	const goroutines = 8
	root := resource.New()
	root.PutChild("parallel", &sessFunc{f: func(r *request.Request) string {
		uids := make([]string, goroutines)
		var wg sync.WaitGroup
		for i := range uids {
			wg.Go(func() { uids[i] = r.GetSession().UID() })
		}
		wg.Wait()
		slices.Sort(uids)
		return strings.Join(slices.Compact(uids), " ")
	}})
	s := site.New(root)
	defer s.Close()
	for i := range 200 {
		rec := visit(s, "/parallel")
		uid := rec.Body.String()
		if strings.Contains(uid, " ") {
			t.Fatalf("one request got several sessions: %s", uid)
		}
		if got := rec.Header().Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(uid)}) {
			t.Fatalf("Set-Cookie %q, want %q", got, defaultCookie(uid))
		}
		if n := s.SessionCount(); n != i+1 {
			t.Fatalf("after %d requests: %d sessions", i+1, n)
		}
	}
}

// TestGetSessionLoserExpiresWithoutTheRequestLock: when two goroutines of
// one request make a session at once, the one whose session loses expires
// it without holding the Request's lock, since expiry callbacks (here a
// Factory's) run outside any lock. The loser's callback takes an
// application lock that another goroutine of the request holds while it
// sets a header; with the Request's lock held across the callback, each
// waited for the other for ever.
func TestGetSessionLoserExpiresWithoutTheRequestLock(t *testing.T) {
	var (
		appMu        sync.Mutex // the application's own lock
		makes        atomic.Int32
		firstMaking  = make(chan struct{}) // the first Make is in the Factory
		releaseFirst = make(chan struct{}) // lets it go on
		inCallback   = make(chan struct{}, 2)
	)
	factory := func(uid string) *session.Session {
		s := session.New(uid)
		s.NotifyOnExpire(func() {
			inCallback <- struct{}{}
			appMu.Lock()
			defer appMu.Unlock()
		})
		if makes.Add(1) == 1 {
			close(firstMaking)
			<-releaseFirst
		}
		return s
	}
	hung := make(chan bool, 1)
	root := resource.New()
	root.PutChild("x", &sessFunc{f: func(r *request.Request) string {
		loser := make(chan *session.Session, 1)
		go func() { loser <- r.GetSession() }()
		<-firstMaking
		winner := r.GetSession() // fills the slot while the first call is in the Factory
		appMu.Lock()
		close(releaseFirst) // the first call loses, and expires what it made
		<-inCallback
		set := make(chan struct{})
		go func() {
			r.SetHeader("X-Set", "yes")
			close(set)
		}()
		select {
		case <-set:
			hung <- false
		case <-time.After(30 * time.Second):
			hung <- true // the loser's callback holds the Request's lock
		}
		appMu.Unlock()
		<-set
		if got := <-loser; got != winner {
			return "two sessions: " + got.UID() + " " + winner.UID()
		}
		return winner.UID()
	}})
	s := site.New(root)
	s.SessionFactory = factory
	srv := httptest.NewServer(s)
	defer func() {
		srv.Close()
		s.Close()
	}()
	resp, err := srv.Client().Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if <-hung {
		t.Fatal("a goroutine of the request waited for the Request's lock, held while the losing session's expiry callback ran")
	}
	uid := string(body)
	if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{defaultCookie(uid)}) || resp.Header.Get("X-Set") != "yes" {
		t.Fatalf("body %q, Set-Cookie %q, X-Set %q", body, got, resp.Header.Get("X-Set"))
	}
	if n := s.SessionCount(); n != 1 {
		t.Fatalf("%d sessions, want 1 (the loser's expired)", n)
	}
}
