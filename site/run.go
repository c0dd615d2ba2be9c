package site

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// An Endpoint is an address Run serves on: a Network ("tcp" or "unix") and
// an Address as net.Listen takes them, or a Listener already open, served
// over TLS (HTTP/2 offered through ALPN) when TLSConfig is set.
type Endpoint struct {
	Network string
	Address string

	// Listener, when set, is served instead of listening on Network and
	// Address: for a socket that needs more than net.Listen gives, such as
	// a Unix socket's permissions or a socket inherited from the parent
	// process. Run closes it when it returns.
	Listener net.Listener

	// TLSConfig, when set, serves the endpoint over TLS. It needs a
	// certificate (Certificates, or GetCertificate, which may load a fresh
	// one whenever it likes); "h2" and "http/1.1" are added to its
	// NextProtos.
	TLSConfig *tls.Config
}

// TCP returns the plain-HTTP Endpoint for the TCP address addr, such as
// ":8080" or "127.0.0.1:0".
func TCP(addr string) Endpoint { return Endpoint{Network: "tcp", Address: addr} }

// Run is the serving helper for command-line programs, such as the
// examples: it listens on every endpoint (failing if any cannot be
// listened on, and then closing the Listeners it was given), prints one
// line per endpoint on standard output once it accepts connections,
// "listening on http://HOST:PORT" (https for TLS, "unix:PATH" for a
// socket; the bound address, so port 0 shows the port picked), and serves
// the Site until SIGINT or SIGTERM arrives. Then it shuts the Site down
// gracefully, giving the responses in flight ShutdownGrace
// (ShutdownTimeout if zero) to finish, and returns nil. Responses still in
// flight when the grace runs out are cut off, and Run logs a warning with
// the Site's Logger: what a grace period is for, not a failure of the
// program (Shutdown, for servers of one's own, reports it as
// context.DeadlineExceeded). Run returns an error if serving fails.
// Programs and tests that start a server read the printed lines to find
// it. Run handles no other signal: a program that wants SIGHUP, say,
// calls signal.Notify for it itself.
//
// A second SIGINT or SIGTERM during the grace cuts it short, as Ctrl-C
// pressed again: what is still in flight is closed at once, and Run
// returns nil as when the grace runs out.
func (s *Site) Run(eps ...Endpoint) error {
	signalled := func() (context.Context, context.CancelFunc) {
		return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	}
	ctx, stop := signalled()
	defer stop()
	return s.run(ctx, signalled, os.Stdout, eps)
}

// run is Run, stopping when ctx is done and printing to out; the context
// that hurry returns, made once the shutdown begins, cuts its grace short
// when it ends.
func (s *Site) run(ctx context.Context, hurry func() (context.Context, context.CancelFunc), out io.Writer, eps []Endpoint) error {
	if len(eps) == 0 {
		return errors.New("site: Run without an endpoint")
	}
	lns := make([]net.Listener, len(eps))
	for i, ep := range eps {
		lns[i] = ep.Listener
	}
	for i, ep := range eps {
		if lns[i] != nil {
			continue
		}
		ln, err := net.Listen(ep.Network, ep.Address)
		if err != nil {
			for _, l := range lns {
				if l != nil {
					l.Close()
				}
			}
			return err
		}
		lns[i] = ln
	}
	errc := make(chan error, len(eps))
	for i, ep := range eps {
		fmt.Fprintf(out, "listening on %s\n", describe(lns[i], ep.TLSConfig != nil))
		go func() { errc <- s.serve(lns[i], ep.TLSConfig, "", "") }()
	}
	var err error
	pending := len(eps) // servers still to return
	select {
	case err = <-errc: // a server failed, or the Site was stopped
		pending--
	case <-ctx.Done():
	}
	grace := s.ShutdownGrace
	if grace == 0 {
		grace = ShutdownTimeout
	}
	hctx, stopHurry := hurry()
	defer stopHurry()
	sctx, cancel := context.WithTimeout(hctx, grace)
	defer cancel()
	serr := s.Shutdown(sctx)
	for range pending {
		<-errc // http.ErrServerClosed
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	switch {
	case hctx.Err() != nil:
		s.logger().Warn("site: stopped: a second signal cut the shutdown grace short; the responses in flight were cut off")
		return nil
	case errors.Is(serr, context.DeadlineExceeded):
		s.logger().Warn("site: stopped: the shutdown grace ran out with responses in flight; they were cut off", "grace", grace)
		return nil
	}
	return serr
}

// describe names the address ln listens on, for Run's output.
func describe(ln net.Listener, tls bool) string {
	a := ln.Addr()
	if a.Network() == "unix" {
		return "unix:" + a.String()
	}
	if tls {
		return "https://" + a.String()
	}
	return "http://" + a.String()
}
