package site

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Timeouts and limits of the server that ListenAndServe and Serve run.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	ShutdownTimeout   = 10 * time.Second
)

// Server returns an http.Server for the Site with the timeouts a public
// server needs: ReadHeaderTimeout and IdleTimeout, a MaxHeaderBytes limit,
// and no WriteTimeout, which would cut asynchronous responses (set
// per-request deadlines with http.ResponseController instead). Its general
// OPTIONS handler is disabled so that "OPTIONS *" reaches the Site.
func (s *Site) Server() *http.Server {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &http.Server{
		Handler:                      s,
		ReadHeaderTimeout:            ReadHeaderTimeout,
		IdleTimeout:                  IdleTimeout,
		MaxHeaderBytes:               MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// ListenAndServe listens on the TCP address addr, prints
// "listening on http://HOST:PORT" (the bound address, so ":0" shows the port
// picked) as a line on standard output once it accepts connections, and
// serves the Site as Serve does. Programs and tests that start a server read
// that line to find it.
func (s *Site) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "listening on http://%s\n", ln.Addr())
	return s.Serve(ln)
}

// Serve serves the Site on ln with the server Server makes, until SIGINT or
// SIGTERM arrives: then it closes the Site (ending pending asynchronous
// responses), shuts the server down gracefully (waiting up to
// ShutdownTimeout for requests in flight) and returns nil. It returns the
// server's error if serving fails.
func (s *Site) Serve(ln net.Listener) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return s.serve(ctx, ln)
}

// serve serves until ctx is done.
func (s *Site) serve(ctx context.Context, ln net.Listener) error {
	srv := s.Server()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.Close()
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
