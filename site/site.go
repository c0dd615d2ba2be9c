package site

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session"
)

// Default names of the session cookies, as Twisted's.
const (
	DefaultSessionCookieName       = "TWISTED_SESSION"
	DefaultSecureSessionCookieName = "TWISTED_SECURE_SESSION"
)

// Site serves a tree of resources and owns its visitors' sessions. It is an
// http.Handler: serve it with Run, ListenAndServe, Serve, an http.Server of
// your own, or mount it under any router or middleware.
//
// Set the exported fields after New and before the first request; they
// must not change while serving. A Site is safe for concurrent use.
// Shutdown or Close stops everything it started.
type Site struct {
	// SessionFactory makes the session for a fresh uid (Twisted's
	// sessionFactory). New sets session.New, which gives sessions the
	// default 15-minute idle timeout; session.WithTimeout(d) gives d.
	SessionFactory session.Factory

	// SessionCookie is the template of the session cookie: its Name,
	// Path, Domain, HttpOnly, SameSite and MaxAge. New sets
	// TWISTED_SESSION, Path=/, HttpOnly, SameSite=Lax.
	SessionCookie http.Cookie

	// SecureSessionCookieName names the cookie of the secure session, the
	// one GetSession returns over TLS; it gets the Secure attribute.
	SecureSessionCookieName string

	// MaxSessions caps the live sessions; beyond it, the session closest to
	// its deadline expires first. Zero means 1,000,000.
	MaxSessions int

	// MaxRequestBodySize caps the bytes read from a request body by
	// Request.Content, ContentReader and Args (413 beyond it). Zero means
	// request.DefaultMaxBodySize (10 MiB); negative means no limit.
	MaxRequestBodySize int64

	// SpoolThreshold is the size beyond which a request body read by
	// Request.Content, ContentReader or Args is kept in a temporary file
	// (deleted from its directory at once, closed when the response ends)
	// rather than in memory, as Twisted's request.content; the files of a
	// multipart body beyond it stay there. Zero means
	// request.DefaultSpoolThreshold (1 MiB); negative means never.
	SpoolThreshold int64

	// MaxFormMemory caps the bytes of form values Request.Args keeps in
	// memory: an urlencoded body, and the values of a multipart body (413
	// beyond it). Zero means request.DefaultMaxFormMemory (10 MiB);
	// negative means no limit.
	MaxFormMemory int64

	// MaxFormFields caps the arguments Request.Args parses from the query
	// and an urlencoded body together (413 beyond it). Zero means
	// request.DefaultMaxFormFields (1000); negative means no limit.
	MaxFormFields int

	// MaxMultipartParts caps the parts of a multipart body Request.Args
	// reads, and their header lines to 10 per part allowed, counted over
	// all of them (413 beyond either). Zero means
	// request.DefaultMaxMultipartParts (1000); negative means no limit.
	MaxMultipartParts int

	// BodyIdleTimeout cuts a request body when its client sends nothing
	// for that long while Request.Content, ContentReader, Args or Files
	// reads it, under any server and for HTTP/2 streams: the read fails
	// with a 408 request.StatusError, and the connection is closed. A slow
	// but steady upload is never cut, and the time an asynchronous
	// response takes does not count. It does not cover code that reads
	// HTTPRequest().Body itself (a mounted http.Handler, the reverse
	// proxy). Zero means request.DefaultBodyIdleTimeout (60 s, as nginx's
	// client_body_timeout); negative means no limit.
	BodyIdleTimeout time.Duration

	// MaxConns caps the connections that the serving helpers (Serve,
	// ListenAndServe, their TLS forms, Run) keep open at once, so that
	// idle or slow clients cannot use up the process's open files: beyond
	// it, new connections wait in the listener's queue until one closes.
	// Zero means 4096, or half the process's open-file limit if that is
	// lower; negative means no limit. It does not apply to a server of
	// your own.
	MaxConns int

	// DisplayTracebacks shows the error and stack on 500 pages. Leave it
	// off in production.
	DisplayTracebacks bool

	// TrustProxyHeaders makes IsSecure, PrePathURL, the Secure session
	// cookie and the access log honour X-Forwarded-Proto, X-Forwarded-Host
	// and X-Forwarded-For. Set it only behind a proxy that sets them.
	TrustProxyHeaders bool

	// AccessLog receives one line per finished request, in the format
	// LogFormatter makes; nil means no access log.
	AccessLog io.Writer

	// LogFormatter formats access-log lines; nil means CombinedLogFormat.
	LogFormatter LogFormatter

	// Logger receives failures and panics; nil means slog.Default.
	Logger *slog.Logger

	// ShutdownGrace is how long Run lets the responses in flight finish
	// after SIGINT or SIGTERM before it closes what remains; zero means
	// ShutdownTimeout.
	ShutdownGrace time.Duration

	root resource.Resource

	initOnce sync.Once
	cfg      request.Config // built from the fields at the first request
	store    *session.Store
	cookies  [2]cookieFormat // [0] insecure, [1] secure; built with cfg

	closeOnce sync.Once
	closing   context.Context    // cancelled by Close; its requests' Config.Context
	stop      context.CancelFunc // cancels closing

	srvMu   sync.Mutex
	servers map[*http.Server]struct{} // started by Serve, not yet stopped
	down    bool                      // Shutdown or Close was called: Serve refuses

	logMu sync.Mutex // serialises writes to AccessLog
}

var _ http.Handler = (*Site)(nil)

// New returns a Site that serves the tree at root. It panics if root is nil.
func New(root resource.Resource) *Site {
	if root == nil {
		panic("site: New(nil)")
	}
	s := &Site{
		root:           root,
		SessionFactory: session.New,
		SessionCookie: http.Cookie{
			Name:     DefaultSessionCookieName,
			Path:     "/",
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
		SecureSessionCookieName: DefaultSecureSessionCookieName,
	}
	s.closing, s.stop = context.WithCancel(context.Background())
	return s
}

// Root returns the root of the tree.
func (s *Site) Root() resource.Resource { return s.root }

func (s *Site) init() {
	if s.SessionFactory == nil {
		panic("site: nil SessionFactory")
	}
	s.initOnce.Do(func() {
		s.store = session.NewStore(session.StoreOptions{MaxSessions: s.MaxSessions, Logger: s.Logger})
		s.cfg = request.Config{
			Sessions:          s,
			TrustProxyHeaders: s.TrustProxyHeaders,
			MaxBodySize:       s.MaxRequestBodySize,
			SpoolThreshold:    s.SpoolThreshold,
			MaxFormMemory:     s.MaxFormMemory,
			MaxFormFields:     s.MaxFormFields,
			MaxMultipartParts: s.MaxMultipartParts,
			BodyIdleTimeout:   s.BodyIdleTimeout,
			DisplayTracebacks: s.DisplayTracebacks,
			Logger:            s.Logger,
			Context:           s.closing,
		}
		s.cookies[0] = newCookieFormat(s.SessionCookieTemplate(false))
		s.cookies[1] = newCookieFormat(s.SessionCookieTemplate(true))
		if s.closed() {
			s.store.Close()
		}
	})
}

func (s *Site) closed() bool { return s.closing.Err() != nil }

// ServeHTTP answers one request from the tree. If the resource returned
// resource.NotDoneYet, ServeHTTP waits until the response finishes, the
// client goes away, or the Site closes; in the last two cases the response
// is abandoned and the resource's NotifyFinish channels say why. It does
// not wait for a Request whose connection was hijacked (a WebSocket's):
// Close reaches that one through its request.Config.
func (s *Site) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	s.init()
	r := request.New(w, hr, &s.cfg)
	if s.AccessLog != nil {
		defer s.logAccess(r) // deferred: a cut-off response is logged too
	}
	if resource.Serve(s.root, r) && !r.Hijacked() {
		s.await(w, r)
	}
}

// await waits for an asynchronous response to finish, for its client to go
// away, or for the Site to close.
func (s *Site) await(w http.ResponseWriter, r *request.Request) {
	select {
	case err := <-r.NotifyFinish():
		if err != nil && r.HeadersSent() && !errors.Is(err, request.ErrGone) && !errors.Is(err, request.ErrClosed) {
			// It failed after its first byte: cut the connection, so that
			// the client does not take a truncated body for a whole one.
			panic(http.ErrAbortHandler)
		}
	case <-r.Context().Done():
		r.Abort(request.ErrGone)
	case <-s.closing.Done():
		r.Abort(request.ErrClosed)
		if !r.HeadersSent() {
			// Nothing was sent: say so, rather than let net/http send an
			// empty 200 for a response that never happened. The Request is
			// abandoned, so its methods no longer touch the headers; the
			// resource's own are dropped.
			clear(w.Header())
			body, _ := shuttingDown.Render(r)
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			h.Set("Connection", "close")
			w.WriteHeader(shuttingDown.Code())
			w.Write(body)
		}
	}
}

// shuttingDown answers a pending response that had sent nothing when the
// Site closed.
var shuttingDown = resource.ErrorPage(http.StatusServiceUnavailable, "Service Unavailable",
	"The server is shutting down.")

// Close stops the Site at once: it closes the servers that Serve and
// ListenAndServe started (their listeners and connections), ends the
// responses still pending (their NotifyFinish channels get
// request.ErrClosed; a client that was sent nothing yet gets 503 Service
// Unavailable; the owner of a hijacked connection is told the same way) and
// stops the session scheduler; live sessions are dropped without running
// their expiry callbacks. Shutdown stops gracefully instead. Close is safe
// to call more than once; it returns the first error of closing a server.
func (s *Site) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.srvMu.Lock()
		s.down = true
		servers := s.servers
		s.servers = nil
		s.srvMu.Unlock()
		s.stop()
		for srv := range servers {
			if cerr := srv.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
		s.init()
		s.store.Close()
	})
	return err
}

// LookupSession returns the live session named uid, without touching it
// (Twisted's Site.getSession). It implements request.SessionSource.
func (s *Site) LookupSession(uid string) (*session.Session, bool) {
	s.init()
	return s.store.Get(uid)
}

// MakeSession makes a session with a fresh random uid (a version 4 UUID)
// through SessionFactory and starts its expiry. After Close the session is
// made but not kept. It implements request.SessionSource.
func (s *Site) MakeSession() *session.Session {
	s.init()
	sess := s.SessionFactory(newUID())
	if sess == nil {
		panic("site: SessionFactory returned nil")
	}
	_ = s.store.Add(sess) // only fails after Close
	return sess
}

// SessionClock returns the clock of the Site's sessions (see
// session.Clock), which its requests' Now reads too. It implements
// request.SessionSource.
func (s *Site) SessionClock() *session.Clock {
	s.init()
	return s.store.Clock()
}

// RenewSession moves sess to a fresh uid, keeping its data and callbacks.
// It implements request.SessionSource.
func (s *Site) RenewSession(sess *session.Session) {
	s.init()
	_ = s.store.Rename(sess, newUID())
}

// newUID returns a random (version 4) UUID in canonical text form. It is
// uuid.NewString without its heap-allocated intermediate UUID: reading into
// a local array keeps the array on the stack, so the string is the only
// allocation.
func newUID() string {
	var id uuid.UUID
	_, _ = rand.Read(id[:])   // never fails (crypto/rand crashes the program instead)
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return id.String()
}

// SessionCookieTemplate returns the cookie that carries the uid of the
// secure or the insecure session, without a value: SessionCookie, or for the
// secure session SessionCookie renamed to SecureSessionCookieName with the
// Secure attribute.
func (s *Site) SessionCookieTemplate(secure bool) http.Cookie {
	c := s.SessionCookie
	if secure {
		c.Name = s.SecureSessionCookieName
		c.Secure = true
	}
	return c
}

// SessionCookieName returns the name of the secure or the insecure session
// cookie, as SessionCookieTemplate(secure).Name does, without copying the
// template. It implements request.SessionSource.
func (s *Site) SessionCookieName(secure bool) string {
	s.init()
	return s.cookies[sessionIndex(secure)].name
}

// SessionSetCookie returns the Set-Cookie header value that gives the
// secure or the insecure session cookie the value uid, or that clears the
// cookie (Max-Age=0) if uid is empty: what http.SetCookie sends for
// SessionCookieTemplate(secure) with that Value (or MaxAge -1). The
// template's attributes are formatted once, at the first request, so this
// costs one allocation. It implements request.SessionSource.
func (s *Site) SessionSetCookie(secure bool, uid string) string {
	s.init()
	f := &s.cookies[sessionIndex(secure)]
	switch {
	case !f.ok:
		return "" // an invalid cookie name: http.SetCookie sends nothing either
	case uid == "":
		return f.clear
	case !isPlainCookieValue(uid):
		c := s.SessionCookieTemplate(secure)
		c.Value = uid
		return c.String()
	}
	return f.prefix + uid + f.suffix
}

// cookieFormat is a session cookie template, formatted by http.Cookie.
type cookieFormat struct {
	name   string
	ok     bool   // the name is valid: http.Cookie formats it
	prefix string // "NAME=" (with a quote if the template is Quoted)
	suffix string // "; Path=/; HttpOnly; ..." (after the value, closing quote included)
	clear  string // the whole line that clears the cookie
}

func newCookieFormat(c http.Cookie) cookieFormat {
	f := cookieFormat{name: c.Name}
	c.Value = "v"
	line := c.String()
	if line == "" {
		return f
	}
	i := len(c.Name) + 1 // where the value starts
	if c.Quoted {
		i++
	}
	f.ok = true
	f.prefix = line[:i]
	f.suffix = line[i+len(c.Value):]
	c.Value = ""
	c.MaxAge = -1
	f.clear = c.String()
	return f
}

// isPlainCookieValue reports whether v is a cookie value http.Cookie sends
// as it is: not empty, of bytes allowed in a cookie value, with no space
// or comma (which it would quote).
func isPlainCookieValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b <= ' ' || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

func sessionIndex(secure bool) int {
	if secure {
		return 1
	}
	return 0
}

// SessionCount returns the number of live sessions.
func (s *Site) SessionCount() int {
	s.init()
	return s.store.Len()
}

// Sessions returns the live sessions, for instance to expire all of a
// user's sessions ("log out everywhere"). Expiring inside the loop is safe.
func (s *Site) Sessions() iter.Seq[*session.Session] {
	s.init()
	return s.store.All()
}
