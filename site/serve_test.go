package site_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// Run waits for SIGINT or SIGTERM and prints to standard output, which an
// in-process test cannot use safely: it is a thin wrapper of run, tested
// here through RunContext, and the end-to-end example tests send it
// signals.

func TestServerSettings(t *testing.T) {
	s := site.New(resource.New())
	defer s.Close()
	srv := s.Server()
	if srv.Handler != s {
		t.Error("Handler is not the Site")
	}
	if srv.ReadHeaderTimeout != site.ReadHeaderTimeout || srv.ReadHeaderTimeout <= 0 {
		t.Errorf("ReadHeaderTimeout %v", srv.ReadHeaderTimeout)
	}
	if srv.IdleTimeout != site.IdleTimeout || srv.IdleTimeout <= 0 {
		t.Errorf("IdleTimeout %v", srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("MaxHeaderBytes %d", srv.MaxHeaderBytes)
	}
	if srv.WriteTimeout != 0 {
		t.Errorf("WriteTimeout %v: it would cut asynchronous responses", srv.WriteTimeout)
	}
	if srv.ReadTimeout != 0 {
		t.Errorf("ReadTimeout %v: it would cut slow uploads and streams", srv.ReadTimeout)
	}
	if !srv.DisableGeneralOptionsHandler {
		t.Error("DisableGeneralOptionsHandler is off: OPTIONS * would not reach the Site")
	}
	if srv.ErrorLog == nil {
		t.Error("no ErrorLog")
	}
	if s.Server() == srv {
		t.Error("Server returns a shared value")
	}
}

// get fetches url and returns its status and body, or the error.
func get(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// serveOn starts s.Serve on a fresh loopback listener and returns the
// listener, its URL and the channel that receives what Serve returns. The
// listener is bound before Serve runs: no need to wait for it.
func serveOn(t *testing.T, s *site.Site) (net.Listener, string, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	return ln, "http://" + ln.Addr().String(), served
}

func TestServeAndClose(t *testing.T) {
	d := newDeferred()
	root := resource.New()
	root.PutChild("", page("home"))
	root.PutChild("wait", d)
	s := site.New(root)
	ln, addr, served := serveOn(t, s)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// The listener is bound before Serve runs: no need to wait for it.
	if code, body, err := get(client, addr+"/"); err != nil || code != 200 || body != "home" {
		t.Fatalf("GET /: %d %q %v", code, body, err)
	}
	// OPTIONS * reaches the Site.
	req, _ := http.NewRequest("OPTIONS", addr, nil)
	req.URL.Opaque = "*"
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 200 || resp.ContentLength != 0 {
		t.Errorf("OPTIONS *: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A pending asynchronous response that sent nothing gets 503 when the
	// Site closes, and its NotifyFinish channel ErrClosed.
	type result struct {
		code int
		err  error
	}
	got := make(chan result, 1)
	go func() {
		code, _, err := get(client, addr+"/wait")
		got <- result{code, err}
	}()
	r := <-d.reqs
	notify := r.NotifyFinish()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-notify; !errors.Is(err, request.ErrClosed) {
		t.Errorf("NotifyFinish: %v, want ErrClosed", err)
	}
	if _, err := r.Write([]byte("late")); !errors.Is(err, request.ErrClosed) {
		t.Errorf("Write after close: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	if res := <-got; res.err == nil && res.code != http.StatusServiceUnavailable {
		t.Errorf("pending client got %d, want 503 or a cut connection", res.code)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the listener still accepts after Close")
	}
	// Serving a closed Site fails at once, closing the listener.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln2); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
	if c, err := net.Dial("tcp", ln2.Addr().String()); err == nil {
		c.Close()
		t.Error("Serve after Close left its listener open")
	}
	// The Site is closed: a session made now is not kept (goleak checks
	// that its scheduler stopped).
	s.MakeSession()
	if s.SessionCount() != 0 {
		t.Errorf("%d sessions after close", s.SessionCount())
	}
}

// TestShutdownDrains shows Shutdown letting an asynchronous response finish
// while it refuses new connections, and abandoning what remains when its
// context ends.
func TestShutdownDrains(t *testing.T) {
	d := newDeferred()
	root := resource.New()
	root.PutChild("wait", d)
	s := site.New(root)
	ln, addr, served := serveOn(t, s)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 2)
	fetch := func() {
		code, body, err := get(client, addr+"/wait")
		got <- result{code, body, err}
	}
	go fetch()
	first := <-d.reqs

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	// Shutdown closes the listener first: poll until it refuses.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts during Shutdown")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the response finished", err)
	default:
	}
	first.FinishWith([]byte("drained"))
	if res := <-got; res.err != nil || res.code != 200 || res.body != "drained" {
		t.Errorf("in-flight response: %d %q %v", res.code, res.body, res.err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}

	// A response that does not finish in time is abandoned when the
	// context ends.
	d2 := newDeferred()
	root2 := resource.New()
	root2.PutChild("wait", d2)
	s2 := site.New(root2)
	_, addr2, served2 := serveOn(t, s2)
	go func() {
		code, _, err := get(client, addr2+"/wait")
		got <- result{code: code, err: err}
	}()
	stuck := <-d2.reqs
	notify := stuck.NotifyFinish()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { shut <- s2.Shutdown(ctx) }()
	cancel()
	if err := <-shut; !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with an ended context: %v, want context.Canceled", err)
	}
	if err := <-notify; !errors.Is(err, request.ErrClosed) {
		t.Errorf("NotifyFinish: %v, want ErrClosed", err)
	}
	<-got
	<-served2
}

// TestRun serves two endpoints, one over TLS, prints where, and stops
// gracefully when its context (the signal, in Run) ends.
func TestRun(t *testing.T) {
	root := resource.New()
	root.PutChild("", page("home"))
	s := site.New(root)
	srvTLS := httptest.NewUnstartedServer(nil)
	srvTLS.StartTLS() // for its certificate and a client that trusts it
	defer srvTLS.Close()
	tlsConfig := srvTLS.TLS.Clone()
	tlsConfig.NextProtos = nil // httptest offers HTTP/1.1 only; the Site adds h2

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	ran := make(chan error, 1)
	go func() {
		ran <- site.RunContext(s, ctx, out, site.TCP("127.0.0.1:0"),
			site.Endpoint{Network: "tcp", Address: "127.0.0.1:0", TLSConfig: tlsConfig})
	}()
	var lines []string
	for deadline := time.Now().Add(10 * time.Second); len(lines) < 2; {
		lines = strings.Fields(strings.ReplaceAll(out.String(), "listening on ", ""))
		if time.Now().After(deadline) {
			t.Fatalf("Run printed %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	if !strings.HasPrefix(lines[0], "http://127.0.0.1:") || !strings.HasPrefix(lines[1], "https://127.0.0.1:") {
		t.Fatalf("Run printed %q", out.String())
	}
	if code, body, err := get(http.DefaultClient, lines[0]+"/"); err != nil || code != 200 || body != "home" {
		t.Errorf("http: %d %q %v", code, body, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srvTLS.Certificate())
	tlsClient := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: true,
	}}
	resp, err := tlsClient.Get(lines[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Errorf("https: %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	tlsClient.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run returned %v after a clean stop", err)
	}
}

func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := site.New(resource.New())
	defer s.Close()
	var out syncBuffer
	err = site.RunContext(s, context.Background(), &out, site.TCP("127.0.0.1:0"), site.TCP(ln.Addr().String()))
	if err == nil || out.String() != "" {
		t.Errorf("Run on a taken port: %v, printed %q", err, out.String())
	}
	if err := site.RunContext(s, context.Background(), &out); err == nil {
		t.Error("Run without endpoints: no error")
	}
}

// TestRunListenerAndGrace serves a Listener opened by the caller, and
// stops with a response still pending: after ShutdownGrace it is cut off
// (ErrClosed), and Run logs it and returns nil, since a command-line
// program that was asked to stop has not failed.
func TestRunListenerAndGrace(t *testing.T) {
	d := newDeferred()
	s := site.New(d)
	s.ShutdownGrace = 10 * time.Millisecond
	var logged syncBuffer
	s.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	ran := make(chan error, 1)
	go func() { ran <- site.RunContext(s, ctx, out, site.Endpoint{Listener: ln}) }()
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	r := <-d.reqs
	notify := r.NotifyFinish()
	if want := "listening on http://" + ln.Addr().String() + "\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "shutdown grace ran out") {
		t.Errorf("logged %q, want a warning that the grace ran out", logged.String())
	}
	if err := <-notify; !errors.Is(err, request.ErrClosed) {
		t.Errorf("NotifyFinish: %v, want ErrClosed", err)
	}
	<-got
	http.DefaultClient.CloseIdleConnections()
}

// TestRunClosesGivenListeners: when an endpoint cannot be listened on,
// Run closes the Listeners it was given too.
func TestRunClosesGivenListeners(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := site.New(resource.New())
	defer s.Close()
	if err := site.RunContext(s, context.Background(), io.Discard, site.Endpoint{Listener: ln}, site.TCP(taken.Addr().String())); err == nil {
		t.Fatal("Run on a taken port: no error")
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the given Listener is open: %v", err)
	}
}

// TestServeTLSBadCertificateClosesListener: ServeTLS and Run, like Serve,
// close the listener when they return, even when the certificate cannot
// be loaded and nothing was ever served.
func TestServeTLSBadCertificateClosesListener(t *testing.T) {
	missing := t.TempDir() + "/missing.pem"
	tests := []struct {
		name  string
		serve func(s *site.Site, ln net.Listener) error
	}{
		{"ServeTLS", func(s *site.Site, ln net.Listener) error { return s.ServeTLS(ln, missing, missing) }},
		{"Run, a TLSConfig without a certificate", func(s *site.Site, ln net.Listener) error {
			return site.RunContext(s, context.Background(), io.Discard, site.Endpoint{Listener: ln, TLSConfig: &tls.Config{}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := site.New(resource.New())
			defer s.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if err := tt.serve(s, ln); err == nil || errors.Is(err, http.ErrServerClosed) {
				t.Errorf("returned %v, want the certificate's error", err)
			}
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
				t.Error("the listener is still open")
			}
		})
	}
}

// TestShutdownReturnsContextError: as http.Server.Shutdown, Shutdown
// returns ctx.Err() itself when the context ends with a response in
// flight, so that callers comparing it with context.DeadlineExceeded see
// it; called again, or after Close, it returns nil.
func TestShutdownReturnsContextError(t *testing.T) {
	d := newDeferred()
	s := site.New(d)
	_, addr, served := serveOn(t, s)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	got := make(chan error, 1)
	go func() {
		_, _, err := get(&http.Client{Transport: tr}, addr+"/")
		got <- err
	}()
	<-d.reqs
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %#v, want context.DeadlineExceeded itself", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown again: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	<-got
}

// TestListenAndServeAfterClose: as http.Server's, ListenAndServe on a
// stopped Site returns http.ErrServerClosed without listening, so that a
// program's serving loop ends even when the address is taken by now.
func TestListenAndServeAfterClose(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, stop := range []string{"Close", "Shutdown"} {
		t.Run(stop, func(t *testing.T) {
			s := site.New(resource.New())
			if stop == "Close" {
				s.Close()
			} else {
				s.Shutdown(context.Background())
			}
			if err := s.ListenAndServe(taken.Addr().String()); err != http.ErrServerClosed {
				t.Errorf("ListenAndServe: %v, want http.ErrServerClosed", err)
			}
			if err := s.ListenAndServeTLS(taken.Addr().String(), "cert.pem", "key.pem"); err != http.ErrServerClosed {
				t.Errorf("ListenAndServeTLS: %v, want http.ErrServerClosed", err)
			}
		})
	}
}
