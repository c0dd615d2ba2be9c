package site

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A file sent through the connection's ReadFrom reaches a slow but steady
// reader whole, and fails on one that stops reading.
func TestWriteIdleTimeoutReadFrom(t *testing.T) {
	const size = 16 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	name := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const timeout = 500 * time.Millisecond
	for _, tt := range []struct {
		name string
		read func(r io.Reader) ([]byte, error)
		ok   bool
	}{
		{"steady", func(r io.Reader) ([]byte, error) {
			var got bytes.Buffer
			buf := make([]byte, 256<<10)
			for {
				n, err := io.ReadFull(r, buf)
				got.Write(buf[:n])
				if err != nil {
					return got.Bytes(), nil
				}
				time.Sleep(50 * time.Millisecond) // the reader's pace
			}
		}, true},
		{"stalled", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l := &limitListener{Listener: ln, timeout: timeout, closed: make(chan struct{})}
			defer l.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			client.(*net.TCPConn).SetReadBuffer(128 << 10)
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sent := make(chan error, 1)
			go func() {
				_, err := c.(io.ReaderFrom).ReadFrom(&io.LimitedReader{R: f, N: size})
				c.Close()
				sent <- err
			}()
			if !tt.ok {
				select {
				case err := <-sent:
					if !errors.Is(err, os.ErrDeadlineExceeded) {
						t.Errorf("ReadFrom to a client that does not read: %v", err)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("ReadFrom to a client that does not read still waits after 20 s")
				}
				return
			}
			gaps := &ReadGaps{R: client}
			got, _ := tt.read(gaps)
			if err := <-sent; err != nil || !bytes.Equal(got, data) {
				gaps.SkipIfStalled(t, timeout)
				t.Errorf("ReadFrom: %v; the reader got %d bytes, equal: %v", err, len(got), bytes.Equal(got, data))
			}
		})
	}
}

// limitPair returns the two ends of a loopback connection: the server's,
// wrapped as the serving helpers wrap it with the write idle timeout, and
// the client's. Both are closed when the test ends.
func limitPair(t *testing.T, timeout time.Duration) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &limitListener{Listener: ln, timeout: timeout, closed: make(chan struct{})}
	t.Cleanup(func() { l.Close() })
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

// readSteadily reads c, chunk bytes every 20 ms, until sent delivers the
// writer's result, and returns it; the writer closes the server's end if
// it fails. It fails the test if c ends first or stays silent for 20 s,
// and skips it if the writer failed after the reader was held up for half
// the write idle timeout (see ReadGaps).
func readSteadily(t *testing.T, c net.Conn, chunk int, timeout time.Duration, sent <-chan error) error {
	t.Helper()
	gaps := &ReadGaps{R: c}
	buf := make([]byte, chunk)
	for {
		select {
		case err := <-sent:
			if err != nil {
				gaps.SkipIfStalled(t, timeout)
			}
			return err
		default:
		}
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.ReadFull(gaps, buf); err != nil {
			select {
			case werr := <-sent:
				if werr != nil {
					gaps.SkipIfStalled(t, timeout)
				}
				return werr
			case <-time.After(20 * time.Second):
				t.Fatalf("the client's read failed (%v), the writer still waits", err)
			}
		}
		time.Sleep(20 * time.Millisecond) // the reader's pace
	}
}

// ReadGaps is a client's reader that keeps the longest time between the
// end of one read and the start of the next. The client takes nothing from
// its connection meanwhile: a test's steady reader (reading every few
// milliseconds, well inside the write idle timeout) that a busy machine
// held up for half that timeout or more may rightly have been cut. The
// slow-read tests use it too.
type ReadGaps struct {
	R    io.Reader
	last time.Time
	max  time.Duration
}

func (g *ReadGaps) Read(p []byte) (int, error) {
	if !g.last.IsZero() {
		g.max = max(g.max, time.Since(g.last))
	}
	n, err := g.R.Read(p)
	g.last = time.Now()
	return n, err
}

// SkipIfStalled skips t, a test whose writer failed, if the reader was
// held up for half of timeout or more: the failure then shows that the
// machine was busy, not that a steady reader was cut. Only the test that
// read through g may call it.
func (g *ReadGaps) SkipIfStalled(t testing.TB, timeout time.Duration) {
	t.Helper()
	if g.max >= timeout/2 {
		t.Skipf("the reader was held up for %v, the write idle timeout is %v: the machine is too busy to tell", g.max, timeout)
	}
}

// Two goroutines writing to one connection at once each get their bytes
// sent in one piece, and the one that waits for the other is not cut for
// the time it waited.
func TestWriteIdleTimeoutConcurrentWrites(t *testing.T) {
	const size = 8 << 20
	const timeout = 200 * time.Millisecond
	server, client := limitPair(t, timeout)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for _, b := range []byte("AB") {
		wg.Go(func() {
			_, err := server.Write(bytes.Repeat([]byte{b}, size))
			errs <- err
		})
	}
	go func() {
		wg.Wait()
		server.Close()
	}()
	// 64 KiB every 20 ms; count the runs of one letter.
	gaps := &ReadGaps{R: client}
	buf := make([]byte, 64<<10)
	var runs, n int
	var last byte
	for {
		client.SetReadDeadline(time.Now().Add(20 * time.Second))
		m, err := io.ReadFull(gaps, buf)
		for _, b := range buf[:m] {
			if b != last {
				runs++
				last = b
			}
		}
		n += m
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // the reader's pace
	}
	werrs := []error{<-errs, <-errs}
	if werrs[0] != nil || werrs[1] != nil {
		gaps.SkipIfStalled(t, timeout)
	}
	for _, err := range werrs {
		if err != nil {
			t.Errorf("Write: %v", err)
		}
	}
	if runs != 2 || n != 2*size {
		t.Errorf("the client read %d bytes in %d runs; want %d in 2", n, runs, 2*size)
	}
}

// ReadFrom from a source that is not a regular file (a plain io.Reader; on
// Linux a /proc file, which sendfile refuses) keeps the deadline moving as
// Write does: a slow but steady reader gets it all.
func TestWriteIdleTimeoutReadFromNotFile(t *testing.T) {
	sources := []struct {
		name string
		open func(t *testing.T) (io.Reader, int64)
	}{
		{"reader", func(t *testing.T) (io.Reader, int64) {
			return struct{ io.Reader }{bytes.NewReader(make([]byte, 6<<20))}, 6 << 20
		}},
	}
	if runtime.GOOS == "linux" {
		sources = append(sources, struct {
			name string
			open func(t *testing.T) (io.Reader, int64)
		}{"proc", func(t *testing.T) (io.Reader, int64) {
			// /proc/kallsyms: some MB, and sendfile refuses it.
			f, err := os.Open("/proc/kallsyms")
			if err != nil {
				t.Skipf("no /proc/kallsyms: %v", err)
			}
			t.Cleanup(func() { f.Close() })
			return f, -1
		}})
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			r, size := src.open(t)
			const timeout = 300 * time.Millisecond
			server, client := limitPair(t, timeout)
			sent := make(chan error, 1)
			var n int64
			go func() {
				var err error
				n, err = server.(io.ReaderFrom).ReadFrom(r)
				if err != nil {
					server.Close()
				}
				sent <- err
			}()
			if err := readSteadily(t, client, 32<<10, timeout, sent); err != nil {
				t.Fatalf("ReadFrom to a steady reader: %v after %d bytes", err, n)
			}
			if size >= 0 && n != size {
				t.Errorf("ReadFrom sent %d bytes of %d", n, size)
			}
			if n < 4<<20 {
				t.Logf("only %d bytes: the reader may not have been held up", n)
			}
		})
	}
}
