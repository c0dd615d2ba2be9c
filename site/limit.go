package site

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
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

// writeIdleTimeout returns the write idle timeout that s.WriteIdleTimeout
// sets, or 0 for none.
func (s *Site) writeIdleTimeout() time.Duration {
	switch {
	case s.WriteIdleTimeout > 0:
		return s.WriteIdleTimeout
	case s.WriteIdleTimeout < 0:
		return 0
	}
	return DefaultWriteIdleTimeout
}

// limitConns returns ln with the cap on open connections that s.MaxConns
// sets and the write idle timeout that s.WriteIdleTimeout sets, for the
// serving helpers.
func (s *Site) limitConns(ln net.Listener) net.Listener {
	n, timeout := s.maxConns(), s.writeIdleTimeout()
	if n == 0 && timeout == 0 {
		return ln
	}
	l := &limitListener{Listener: ln, timeout: timeout, closed: make(chan struct{})}
	if n > 0 {
		l.slots = make(chan struct{}, n)
	}
	return l
}

// limitListener is a listener that keeps at most cap(slots) of the
// connections it accepted open, if slots is set: Accept waits for one of
// them to close before it accepts another, so the others wait in the
// kernel's queue. Its connections fail a write that waits on the client
// for timeout, if set (see limitConn.Write).
type limitListener struct {
	net.Listener
	slots     chan struct{} // one token per open connection; nil for no cap
	timeout   time.Duration // the write idle timeout; 0 for none
	closed    chan struct{} // closed by Close: Accept stops waiting
	closeOnce sync.Once
}

// Accept waits for a free slot, then accepts a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
		case <-l.closed:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		if l.slots != nil {
			<-l.slots
		}
		return nil, err
	}
	return &limitConn{Conn: c, l: l, born: time.Now()}, nil
}

// Close closes the listener; an Accept waiting for a slot returns.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// limitConn is a connection that frees its slot when it is closed, and
// whose writes fail when the client takes nothing for the listener's
// timeout.
//
// The write deadline of the connection is the earlier of two: the
// timeout's, which each write moves forward before it starts when less
// than half the timeout is left (so that a steady stream of writes costs
// one reading of the clock each, and a deadline left over from an earlier
// write never cuts a later one), and the one set through SetWriteDeadline
// (by net/http, http.ResponseController or a hijacker), if any.
//
// One write (Write, ReadFrom) at a time holds wmu across all its attempts,
// so that the bytes of two concurrent writes are never interleaved and a
// write's time counts only once it has the connection.
type limitConn struct {
	net.Conn
	l           *limitListener
	releaseOnce sync.Once
	born        time.Time    // when accepted: deadlines are counted from it
	deadline    atomic.Int64 // the timeout's deadline, in ns after born; 0 for none yet

	wmu sync.Mutex // held by a write across its attempts

	mu       sync.Mutex // held while the connection's write deadline changes
	explicit time.Time  // the deadline set through SetWriteDeadline; zero for none
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	if c.l.slots != nil {
		c.releaseOnce.Do(func() { <-c.l.slots })
	}
	return err
}

// Write writes p to the connection. With a timeout, it fails when the
// client takes none of p for that long (between once and one and a half
// times the timeout, see again); a client that takes some, however
// slowly, is waited for, as net/http's HTTP/2 server does with its
// WriteByteTimeout.
func (c *limitConn) Write(p []byte) (int, error) {
	if c.l.timeout == 0 {
		return c.Conn.Write(p)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.write(p)
}

// write is Write with a timeout; c.wmu is held.
func (c *limitConn) write(p []byte) (int, error) {
	n := 0
	for {
		since := c.keepDeadline()
		m, err := c.Conn.Write(p[n:])
		n += m
		if err == nil || !c.again(err, m > 0, since) {
			return n, err
		}
	}
}

// keepDeadline moves the timeout's deadline to a full timeout from now if
// less than half of it is left, and returns now, in ns after born. c.wmu
// is held.
func (c *limitConn) keepDeadline() int64 {
	timeout := int64(c.l.timeout)
	now := int64(time.Since(c.born))
	if c.deadline.Load()-now >= timeout/2 {
		return now
	}
	c.mu.Lock()
	c.deadline.Store(now + timeout)
	_ = c.setLocked() // a failure shows in the write
	c.mu.Unlock()
	return now
}

// again reports whether a write that started at since (in ns after born)
// and failed with err, having taken some of its bytes or not (progress),
// is to go on: the timeout's deadline cut it, not one set through
// SetWriteDeadline, and the client either took some of the bytes or held
// the write up for less than the timeout (its deadline may have been as
// little as half a timeout ahead). c.wmu is held.
func (c *limitConn) again(err error, progress bool, since int64) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	c.mu.Lock()
	explicit := c.explicit
	c.mu.Unlock()
	if !explicit.IsZero() && !time.Now().Before(explicit) {
		return false
	}
	return progress || int64(time.Since(c.born))-since < int64(c.l.timeout)
}

// setLocked gives the connection the earlier of the two write deadlines.
// c.mu is held.
func (c *limitConn) setLocked() error {
	var at time.Time
	if d := c.deadline.Load(); d != 0 {
		at = c.born.Add(time.Duration(d))
	}
	if !c.explicit.IsZero() && (at.IsZero() || c.explicit.Before(at)) {
		at = c.explicit
	}
	return c.Conn.SetWriteDeadline(at)
}

// SetWriteDeadline sets the deadline of writes, as net.Conn's; with a
// timeout, the timeout's own deadline still applies if it is earlier.
func (c *limitConn) SetWriteDeadline(t time.Time) error {
	if c.l.timeout == 0 {
		return c.Conn.SetWriteDeadline(t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.IsZero() && c.explicit.IsZero() {
		return nil // unchanged: net/http clears it after every response
	}
	c.explicit = t
	return c.setLocked()
}

// SetDeadline sets the deadlines of reads and writes, as net.Conn's.
func (c *limitConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// ReadFrom and CloseWrite pass on what net/http looks for on a
// connection (sendfile, a clean close), which embedding the net.Conn
// interface would hide.

// ReadFrom writes what it reads from r to the connection. Without a
// timeout, it is the connection's own (sendfile for a file). With one,
// everything is copied through Write's attempts, under one hold of the
// write lock: the connection's own ReadFrom falls back, for a file that
// sendfile refuses, to a copy that Write's deadline never moves. Nothing
// of the Site's reaches this with a timeout but a hijacker's copy: a
// Request's writer copies a response through the connection's Write.
func (c *limitConn) ReadFrom(r io.Reader) (int64, error) {
	if c.l.timeout == 0 {
		if rf, ok := c.Conn.(io.ReaderFrom); ok {
			return rf.ReadFrom(r)
		}
		return io.Copy(c.Conn, r)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return io.Copy(writeFunc(c.write), r)
}

// writeFunc is a function as an io.Writer, and nothing more: io.Copy goes
// through its Write.
type writeFunc func([]byte) (int, error)

func (f writeFunc) Write(p []byte) (int, error) { return f(p) }

// CloseWrite shuts down the writing side of the connection, if it can.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
