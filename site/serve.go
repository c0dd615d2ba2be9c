package site

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts and limits of the server that Server makes.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout is how long Run lets responses in flight finish
	// after a signal before it closes what remains, unless the Site's
	// ShutdownGrace says otherwise.
	ShutdownTimeout = 10 * time.Second
	// DefaultWriteIdleTimeout is the Site's WriteIdleTimeout when it is
	// zero, as nginx's send_timeout.
	DefaultWriteIdleTimeout = 60 * time.Second
)

// Server returns an http.Server for the Site with the timeouts a public
// server needs: ReadHeaderTimeout and IdleTimeout, a MaxHeaderBytes limit,
// and no WriteTimeout, which would cut asynchronous responses (set
// per-request deadlines with http.ResponseController instead). Its general
// OPTIONS handler is disabled so that "OPTIONS *" reaches the Site. Serve
// and the other serving methods use it; a program that needs more control
// may change it and serve the Site itself.
func (s *Site) Server() *http.Server {
	logger := s.logger()
	return &http.Server{
		Handler:                      s,
		ReadHeaderTimeout:            ReadHeaderTimeout,
		IdleTimeout:                  IdleTimeout,
		MaxHeaderBytes:               MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// logger returns the Site's Logger, or slog.Default if it is nil.
func (s *Site) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// ListenAndServe listens on the TCP address addr and serves the Site as
// Serve does. After Shutdown or Close it returns http.ErrServerClosed
// without listening.
func (s *Site) ListenAndServe(addr string) error {
	if s.stopped() {
		return http.ErrServerClosed
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// ListenAndServeTLS listens on the TCP address addr and serves the Site over
// TLS as ServeTLS does.
func (s *Site) ListenAndServeTLS(addr, certFile, keyFile string) error {
	if s.stopped() {
		return http.ErrServerClosed
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(ln, certFile, keyFile)
}

// Serve serves the Site on ln with the server Server makes, as
// http.Server.Serve does: it prints nothing, handles no signal, closes ln
// when it returns, and always returns a non-nil error; after Shutdown or
// Close it returns http.ErrServerClosed.
func (s *Site) Serve(ln net.Listener) error {
	return s.serve(ln, nil, "", "")
}

// ServeTLS is Serve over TLS, with the certificate and key in the named PEM
// files, as http.Server.ServeTLS; HTTP/2 is offered through ALPN. Unlike
// http.Server.ServeTLS, it closes ln when it cannot load the certificate.
func (s *Site) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	return s.serve(ln, nil, certFile, keyFile)
}

// stopped reports whether Shutdown or Close was called: the serving
// methods then refuse, as http.Server's do.
func (s *Site) stopped() bool {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.down
}

// serve serves on ln with a fresh Server, over TLS when cfg is set or the
// files are named, until Shutdown or Close.
func (s *Site) serve(ln net.Listener, cfg *tls.Config, certFile, keyFile string) error {
	ln = s.limitConns(ln)
	// Closed on every return: http.Server.ServeTLS returns without closing
	// ln when it cannot load the certificate (Serve closes it too, which
	// does no harm).
	defer ln.Close()
	srv := s.Server()
	srv.TLSConfig = cfg
	s.srvMu.Lock()
	if s.down {
		s.srvMu.Unlock()
		return http.ErrServerClosed
	}
	if s.servers == nil {
		s.servers = make(map[*http.Server]struct{})
	}
	s.servers[srv] = struct{}{}
	s.srvMu.Unlock()
	if cfg != nil || certFile != "" || keyFile != "" {
		return srv.ServeTLS(ln, certFile, keyFile)
	}
	return srv.Serve(ln)
}

// Shutdown stops the Site gracefully: the servers that Serve and its
// siblings started stop accepting connections and close idle ones, the
// responses in flight, asynchronous ones included, may finish until ctx
// is done, and then whatever remains is closed as Close does (pending
// responses are abandoned with request.ErrClosed, hijacked connections
// told so). It returns ctx.Err() if ctx ended before every response
// finished, as http.Server.Shutdown does. A Site served by an http.Server of your own: shut that down
// first, then call Close.
func (s *Site) Shutdown(ctx context.Context) error {
	s.srvMu.Lock()
	s.down = true
	servers := make([]*http.Server, 0, len(s.servers))
	for srv := range s.servers {
		servers = append(servers, srv)
	}
	s.srvMu.Unlock()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() { errs[i] = srv.Shutdown(ctx) })
	}
	wg.Wait()
	cerr := s.Close()
	// The first error itself, not a join of them: as http.Server's, a
	// Shutdown cut short returns ctx.Err(), which callers may compare
	// with context.DeadlineExceeded.
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return cerr
}
