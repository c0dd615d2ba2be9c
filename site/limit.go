package site

import (
	"io"
	"net"
	"sync"
)

// defaultMaxConns is the cap on open connections when Site.MaxConns is
// zero, unless half the process's open-file limit is lower.
const defaultMaxConns = 4096

// maxConns returns the cap on open connections that s.MaxConns sets, or 0
// for none.
func (s *Site) maxConns() int {
	switch {
	case s.MaxConns > 0:
		return s.MaxConns
	case s.MaxConns < 0:
		return 0
	}
	n := defaultMaxConns
	if files := openFileLimit(); files > 0 {
		n = max(1, min(n, files/2))
	}
	return n
}

// limitConns returns ln with the cap on open connections that s.MaxConns
// sets, for the serving helpers.
func (s *Site) limitConns(ln net.Listener) net.Listener {
	n := s.maxConns()
	if n == 0 {
		return ln
	}
	return newLimitListener(ln, n)
}

// limitListener is a listener that keeps at most cap(slots) of the
// connections it accepted open: Accept waits for one of them to close
// before it accepts another, so the others wait in the kernel's queue.
type limitListener struct {
	net.Listener
	slots     chan struct{} // one token per open connection
	closed    chan struct{} // closed by Close: Accept stops waiting
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), closed: make(chan struct{})}
}

// Accept waits for a free slot, then accepts a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, l: l}, nil
}

// Close closes the listener; an Accept waiting for a slot returns.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// limitConn is a connection that frees its slot when it is closed.
type limitConn struct {
	net.Conn
	l           *limitListener
	releaseOnce sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.releaseOnce.Do(func() { <-c.l.slots })
	return err
}

// ReadFrom and CloseWrite pass on what net/http looks for on a
// connection (sendfile for static files, a clean close), which embedding
// the net.Conn interface would hide.

// ReadFrom writes what it reads from r to the connection.
func (c *limitConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite shuts down the writing side of the connection, if it can.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
