package site

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/inspect"
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

	// SessionStore keeps the sessions outside the process, shared by
	// every Site that uses the same storage, so that they survive a
	// restart and span instances (see session.Store, and the module
	// github.com/gotwisted/web/session/redisstore). Nil keeps them in
	// this process's memory.
	SessionStore session.Store

	// SessionCookie is the template of the session cookie: its Name,
	// Path, Domain, HttpOnly, SameSite and MaxAge. New sets
	// TWISTED_SESSION, Path=/, HttpOnly, SameSite=Lax.
	SessionCookie http.Cookie

	// SecureSessionCookieName names the cookie of the secure session, the
	// one GetSession returns over TLS; it gets the Secure attribute.
	SecureSessionCookieName string

	// MaxSessions caps the live sessions in memory; beyond it, the session
	// closest to its deadline expires first. Zero means 1,000,000. It does
	// not apply to a SessionStore, which bounds its sessions itself.
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
	// response takes does not count. Mounted http.Handlers and the reverse
	// proxy read their bodies through request.Request.Body, which it cuts
	// too; code that reads HTTPRequest().Body itself is not covered. Zero
	// means request.DefaultBodyIdleTimeout (60 s, as nginx's
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

	// WriteIdleTimeout cuts a connection of the serving helpers (Serve,
	// ListenAndServe, their TLS forms, Run) when a write to it waits that
	// long without the client taking a byte: a client that asks for a
	// large response and stops reading would otherwise hold the
	// connection, its handler and whatever the handler holds (an open
	// file, a CGI script) for ever. The connection is closed, the
	// handler's writes fail and its Request reports request.ErrGone. The
	// time a response takes to be ready does not count: only a write that
	// waits on the client does. A slow reader is kept while its writes move
	// within the timeout, which the kernel decides: Linux wakes a blocked
	// write once about a third of the socket's send buffer is free (see
	// docs/reliability.md). It covers HTTP/1 and HTTP/2 connections whose
	// client stops reading the socket, and hijacked connections under the
	// deadlines their owners set. An HTTP/2 stream whose client keeps the
	// connection live but never opens the stream's flow-control window is
	// reset instead, once a write of its response (its last bytes
	// included, flushed when it finishes) waits that long (a long write
	// goes in pieces of 256 KiB, each given the whole timeout): this
	// holds under a server of your own too (request.Config's
	// WriteIdleTimeout). Zero means DefaultWriteIdleTimeout (60 s, as
	// nginx's send_timeout); negative means no limit. HTTP/2 streams
	// aside, like MaxConns, it does not apply to a server of your own.
	WriteIdleTimeout time.Duration

	// DisplayTracebacks shows the error and stack on 500 pages. Leave it
	// off in production.
	DisplayTracebacks bool

	// TrustProxyHeaders makes IsSecure, PrePathURL, the Secure session
	// cookie and the access log honour X-Forwarded-Proto, X-Forwarded-Host
	// and X-Forwarded-For: the last entry of each, the one the proxy in
	// front of the Site wrote, so a proxy may replace them or append to
	// them. Set it only behind a proxy that sets them: a client that
	// reaches the Site directly can write them too.
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

	// Inspector, when set, is shown the Site's tree, its sessions and the
	// traversal of every request it serves; mount it in the tree to see
	// them (see package resource/inspect). Nil, the default, records
	// nothing.
	Inspector *inspect.Inspector

	root resource.Resource
	ins  *introspect.Hooks // Inspector's, set by init; nil without one

	initOnce sync.Once
	cfg      request.Config   // built from the fields at the first request
	sessions *session.Manager // built with cfg

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
		s.sessions = session.NewManager(session.Options{
			Factory:     s.SessionFactory,
			Store:       s.SessionStore,
			MaxSessions: s.MaxSessions,
			Logger:      s.Logger,
		})
		s.cfg = request.Config{
			Sessions:                s.sessions,
			SessionCookie:           s.SessionCookie,
			SecureSessionCookieName: s.SecureSessionCookieName,
			TrustProxyHeaders:       s.TrustProxyHeaders,
			MaxBodySize:             s.MaxRequestBodySize,
			SpoolThreshold:          s.SpoolThreshold,
			MaxFormMemory:           s.MaxFormMemory,
			MaxFormFields:           s.MaxFormFields,
			MaxMultipartParts:       s.MaxMultipartParts,
			BodyIdleTimeout:         s.BodyIdleTimeout,
			WriteIdleTimeout:        s.writeIdleTimeout(),
			DisplayTracebacks:       s.DisplayTracebacks,
			Logger:                  s.Logger,
			Context:                 s.closing,
		}
		if s.Inspector != nil {
			// Attach first: it panics for an Inspector that another Site
			// has, and this Site must then not record its requests there.
			h := introspect.HooksOf(s.Inspector)
			h.Attach(introspect.Site{Root: s.root, Sessions: s.sessions, TrustProxyHeaders: s.TrustProxyHeaders})
			s.ins = h
		}
		if s.closed() {
			s.sessions.Close()
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
	if s.ins != nil && introspect.From(hr.Context()) == nil {
		s.serveInspected(w, hr)
		return
	}
	r := request.New(w, hr, &s.cfg)
	if s.AccessLog != nil {
		defer s.logAccess(r) // deferred: a cut-off response is logged too
	}
	if resource.Serve(s.root, r) {
		if !r.Hijacked() {
			s.await(w, r)
		} else {
			s.traceEnd(r, introspect.Hijacked, r.ResponseCode())
		}
	}
}

// traceEnd tells r's Trace, when the Site records requests, that r's
// response ended as e, its client having got status (0: nothing).
func (s *Site) traceEnd(r *request.Request, e introspect.End, status int) {
	if s.ins == nil {
		return
	}
	if t := introspect.From(r.HTTPRequest().Context()); t != nil {
		t.SetEnd(e, status)
	}
}

// ended is traceEnd with the status r sent, if any.
func (s *Site) ended(r *request.Request, e introspect.End) {
	if s.ins == nil {
		return
	}
	status := 0
	if r.HeadersSent() {
		status = r.ResponseCode()
	}
	s.traceEnd(r, e, status)
}

// serveInspected serves hr, when the Site has an Inspector, with a Trace in
// its context, in which traversal records its steps, and hands the Trace
// to the Inspector when the response has ended.
func (s *Site) serveInspected(w http.ResponseWriter, hr *http.Request) {
	t := introspect.New(time.Now())
	defer func() {
		t.Finish(time.Since(t.Start))
		s.ins.Record(t)
	}()
	s.ServeHTTP(w, hr.WithContext(&introspect.Ctx{Context: hr.Context(), Trace: t}))
}

// await waits for an asynchronous response to finish, for its client to go
// away, or for the Site to close.
func (s *Site) await(w http.ResponseWriter, r *request.Request) {
	select {
	case err := <-r.NotifyFinish():
		switch {
		case err == nil:
		case errors.Is(err, request.ErrGone):
			s.ended(r, introspect.ClientGone)
		case errors.Is(err, request.ErrClosed):
			s.ended(r, introspect.SiteClosed)
		default:
			// The resource abandoned it (Request.Abort, or a failure
			// after its first byte): cut the connection, so that the
			// client does not take a truncated body, or an empty 200,
			// for a whole response.
			s.ended(r, introspect.Abandoned)
			panic(http.ErrAbortHandler)
		}
	case <-r.Context().Done():
		if !s.closed() {
			r.Abort(request.ErrGone)
			s.ended(r, introspect.ClientGone)
			return
		}
		// Close closes the connections just after it marks the Site
		// closed: this context may have ended first. The Site's close
		// is the reason.
		s.abandonClosed(w, r)
	case <-s.closing.Done():
		s.abandonClosed(w, r)
	}
}

// abandonClosed abandons r, pending when the Site closed, with
// request.ErrClosed, and answers 503 if nothing was sent, or else cuts the
// connection.
func (s *Site) abandonClosed(w http.ResponseWriter, r *request.Request) {
	r.Abort(request.ErrClosed)
	if r.HeadersSent() {
		s.ended(r, introspect.SiteClosed)
		// As for a response its resource abandoned: returning would let
		// net/http end a chunked body cleanly, and the client take what
		// was sent for the whole response.
		panic(http.ErrAbortHandler)
	}
	s.traceEnd(r, introspect.SiteClosed, shuttingDown.Code())
	// Nothing was sent: say so, rather than let net/http send an empty
	// 200 for a response that never happened. The Request is abandoned,
	// so its methods no longer touch the headers; the resource's own are
	// dropped.
	clear(w.Header())
	body, _ := shuttingDown.Render(r)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	w.WriteHeader(shuttingDown.Code())
	w.Write(body)
}

// shuttingDown answers a pending response that had sent nothing when the
// Site closed.
var shuttingDown = resource.ErrorPage(http.StatusServiceUnavailable, "Service Unavailable",
	"The server is shutting down.")

// Close stops the Site at once: it closes the servers that Serve and
// ListenAndServe started (their listeners and connections), ends the
// responses still pending (their NotifyFinish channels get
// request.ErrClosed; the owner of a hijacked connection is told the same
// way) and stops the session scheduler; live sessions are dropped without
// running their expiry callbacks. A pending response that had begun is
// cut off (its connection closed, or its HTTP/2 stream reset), so that
// its client does not take the part it got for the whole; one that sent
// nothing yet is answered 503 Service Unavailable, which its client gets if its
// connection is still open: under a server of your own it is, while the
// connections of the Site's own servers close at the same moment, so their
// clients usually see the connection cut. Shutdown stops gracefully
// instead. Close is safe to call more than once; it returns the first
// error of closing a server.
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
		s.sessions.Close()
	})
	return err
}

// MakeSession makes a session with a fresh random uid (a version 4 UUID)
// through SessionFactory and adds it to the Site's sessions (Twisted's
// Site.makeSession). It returns an error wrapping session.ErrUnavailable
// if the SessionStore failed, and session.ErrClosed after Close.
func (s *Site) MakeSession() (*session.Session, error) {
	s.init()
	return s.sessions.Make()
}

// LookupSession returns the live session named uid, without touching it
// (Twisted's Site.getSession), or session.ErrNotFound. With a
// SessionStore it finds the sessions of every Site that shares it, so that
// one of them can, say, expire ("revoke") a session another made; it then
// returns an error wrapping session.ErrUnavailable if the store failed.
func (s *Site) LookupSession(uid string) (*session.Session, error) {
	s.init()
	return s.sessions.Lookup(uid)
}

// SessionCount returns the number of live sessions in memory. With a
// SessionStore it counts only the sessions this Site watches because
// expiry callbacks were registered through it (see session.Manager.Len);
// the store holds every Site's sessions, and counts them itself.
func (s *Site) SessionCount() int {
	s.init()
	return s.sessions.Len()
}

// Sessions returns the live sessions in memory, for instance to expire all
// of a user's sessions ("log out everywhere"). Expiring inside the loop is
// safe. With a SessionStore it iterates over the sessions SessionCount
// counts (see session.Manager.All).
func (s *Site) Sessions() iter.Seq[*session.Session] {
	s.init()
	return s.sessions.All()
}
