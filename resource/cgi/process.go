package cgi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// waitDelay is how long the end of a script waits for processes that left
// its process group (with setsid) but still hold its stdin or stderr,
// before it closes them (exec.Cmd.WaitDelay).
const waitDelay = 2 * time.Second

// readers holds the buffered readers of scripts' output, each of
// outputSize bytes: the largest piece of output read and sent at once.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, outputSize) }}

const outputSize = 32 << 10

// process is a running script.
type process struct {
	cmd    *exec.Cmd
	out    *bufio.Reader // its standard output
	stderr *tail
	stop   func() bool // stops the closing of its output when ctx ends
}

// start starts argv in its own process group, in dir, with env, body on
// its standard input and its standard error kept in a tail of keep bytes
// (none if keep < 0). When ctx ends before the process does, the whole
// group is killed and its output closed.
func start(ctx context.Context, argv []string, dir string, env []string, body *io.SectionReader, keep int) (*process, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	if body.Size() > 0 {
		cmd.Stdin = body
	}
	p := &process{cmd: cmd}
	if keep > 0 {
		p.stderr = &tail{keep: keep}
		cmd.Stderr = p.stderr
	}
	setGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = waitDelay
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// Killing the group ends the output, unless a process left the group
	// with the pipe open: closing it ends the read at once all the same.
	p.stop = context.AfterFunc(ctx, func() { out.Close() })
	p.out = readers.Get().(*bufio.Reader)
	p.out.Reset(out)
	return p, nil
}

// end waits for the script to exit, kills what is left of its process
// group, reaps it, and returns why it failed, if it did.
func (p *process) end() error {
	pid := p.cmd.Process.Pid
	// Where the system lets us see the exit without reaping the process,
	// the group is killed while the zombie still holds the group's id, so
	// that the id cannot name another group by then.
	zombie := awaitExit(pid)
	if zombie {
		_ = killGroup(pid)
	}
	err := p.cmd.Wait()
	// exec reports ctx's error for a process still unreaped when ctx ended
	// (as it is when its output ended first), even one that had exited by
	// itself: how it ended is what the log needs.
	if ps := p.cmd.ProcessState; ps != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		err = nil
		if !ps.Success() {
			err = &exec.ExitError{ProcessState: ps}
		}
	}
	if !zombie {
		_ = killGroup(pid)
	}
	p.stop()
	p.out.Reset(nil)
	readers.Put(p.out)
	p.out = nil
	return err
}

// logStderr logs what the script wrote to its standard error, if anything.
// It is called after end.
func (p *process) logStderr(log *slog.Logger) {
	if p.stderr == nil || p.stderr.n == 0 {
		return
	}
	attrs := []any{"stderr", string(p.stderr.bytes())}
	if d := p.stderr.n - int64(p.stderr.keep); d > 0 {
		attrs = append(attrs, "stderr_dropped", d)
	}
	log.Warn("cgi: script wrote to stderr", attrs...)
}

// tail is an io.Writer that keeps the last keep bytes written to it, in
// memory bounded by a few times keep.
type tail struct {
	keep int
	buf  []byte
	n    int64 // bytes written in all
}

func (t *tail) Write(p []byte) (int, error) {
	t.n += int64(len(p))
	t.buf = append(t.buf, p...)
	t.trim()
	return len(p), nil
}

// ReadFrom reads r to its end into t, without the buffer io.Copy would
// allocate: exec copies the script's standard error with it.
func (t *tail) ReadFrom(r io.Reader) (int64, error) {
	const room = 512
	var n int64
	for {
		if cap(t.buf)-len(t.buf) < room {
			t.trim()
			t.buf = slices.Grow(t.buf, room)
		}
		m, err := r.Read(t.buf[len(t.buf):cap(t.buf)])
		t.buf = t.buf[:len(t.buf)+m]
		t.n += int64(m)
		n += int64(m)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// trim drops what is before the last keep bytes once there are twice as many.
func (t *tail) trim() {
	if len(t.buf) >= 2*t.keep {
		t.buf = t.buf[:copy(t.buf, t.buf[len(t.buf)-t.keep:])]
	}
}

// bytes returns the last keep bytes written.
func (t *tail) bytes() []byte {
	if len(t.buf) > t.keep {
		return t.buf[len(t.buf)-t.keep:]
	}
	return t.buf
}
