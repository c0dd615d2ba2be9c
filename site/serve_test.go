package site_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// ListenAndServe and Serve wait for SIGINT or SIGTERM and print to standard
// output, which an in-process test cannot use safely; they are thin
// wrappers of serve, tested here, and the end-to-end example tests run them.

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

func TestServe(t *testing.T) {
	d := newDeferred()
	root := resource.New()
	root.PutChild("", page("home"))
	root.PutChild("wait", d)
	s := site.New(root)
	var log syncBuffer
	logTo(&log)(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- site.ServeContext(s, ctx, ln) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// The listener is bound before serve runs: no need to wait for it.
	resp, err := client.Get(addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "home" {
		t.Fatalf("GET /: %d %q", resp.StatusCode, body)
	}
	// OPTIONS * reaches the Site.
	req, _ := http.NewRequest("OPTIONS", addr, nil)
	req.URL.Opaque = "*"
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 200 || resp.ContentLength != 0 {
		t.Errorf("OPTIONS *: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A pending asynchronous response ends with ErrClosed when serve stops.
	got := make(chan error, 1)
	go func() {
		resp, err := client.Get(addr + "/wait")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		got <- err
	}()
	r := <-d.reqs
	notify := r.NotifyFinish()
	cancel()
	select {
	case err := <-notify:
		if !errors.Is(err, request.ErrClosed) {
			t.Errorf("NotifyFinish: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pending response not ended")
	}
	if _, err := r.Write([]byte("late")); !errors.Is(err, request.ErrClosed) {
		t.Errorf("Write after close: %v", err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve returned %v, want nil", err)
		}
	case <-time.After(2 * site.ShutdownTimeout):
		t.Fatal("serve did not return")
	}
	<-got // the client saw the response end, whatever it got
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the listener still accepts after serve returned")
	}
	// The Site is closed: a session made now is not kept (goleak checks
	// that its scheduler stopped).
	s.MakeSession()
	if s.SessionCount() != 0 {
		t.Errorf("%d sessions after close", s.SessionCount())
	}
}

func TestServeListenerError(t *testing.T) {
	s := site.New(resource.New())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = site.ServeContext(s, context.Background(), ln)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve on a closed listener: %v, want its error", err)
	}
	// serve closed the Site.
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}
