package request

import (
	"fmt"
	"io"
	"os"
)

// bodyStore is a request body read in full: in memory, or in a temporary
// file. It is an io.ReaderAt, safe for concurrent use.
type bodyStore struct {
	mem  []byte   // the body, when it is in memory
	file *os.File // the body, when it was spooled
	size int64
}

// ReadAt reads len(p) bytes of the body from off.
func (s *bodyStore) ReadAt(p []byte, off int64) (int, error) {
	if s.file != nil {
		return s.file.ReadAt(p, off)
	}
	if off < 0 {
		return 0, fmt.Errorf("request: negative offset %d", off)
	}
	if off >= int64(len(s.mem)) {
		return 0, io.EOF
	}
	n := copy(p, s.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// openSpool makes the temporary file that holds the body, removed from its
// directory at once so that nothing is left behind, whatever happens to
// the process; the Request closes it when the response ends.
func (r *Request) openSpool() (*os.File, error) {
	f, err := os.CreateTemp("", "gotwisted-body-*")
	if err != nil {
		return nil, fmt.Errorf("request: spooling the body: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("request: spooling the body: %w", err)
	}
	r.spoolMu.Lock()
	defer r.spoolMu.Unlock()
	if r.spoolEnded {
		f.Close()
		return nil, ErrFinished
	}
	r.spool = f
	return f, nil
}

// endBody closes the body's temporary file, if any, and makes sure no
// other is opened; it stops the reader Body returned. The Request calls it
// when the response ends.
func (r *Request) endBody() {
	r.spoolMu.Lock()
	defer r.spoolMu.Unlock()
	r.spoolEnded = true
	if r.spool != nil {
		r.spool.Close()
	}
	for _, b := range r.watched {
		b.stop()
	}
}

// spoolTo writes head and then the rest of body to f, and returns the
// bytes written. An error reading the body is the client's (see
// readError); one writing the file is the server's.
func spoolTo(f *os.File, head []byte, body io.Reader) (int64, error) {
	if _, err := f.Write(head); err != nil {
		return 0, fmt.Errorf("request: spooling the body: %w", err)
	}
	size := int64(len(head))
	buf := make([]byte, 32<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return size, fmt.Errorf("request: spooling the body: %w", err)
			}
			size += int64(n)
		}
		if rerr == io.EOF {
			return size, nil
		}
		if rerr != nil {
			return size, readError(rerr)
		}
	}
}
