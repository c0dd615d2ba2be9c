package cgi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Defaults of Options.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxHeaderBytes = 1 << 20
	DefaultMaxStderrBytes = 64 << 10
)

// Options are the limits and the environment of the scripts a Script, a
// FilteredScript or a Directory runs. The zero value means the defaults.
// Set them before serving; they must not change while serving.
type Options struct {
	// Timeout bounds each run of a script, from its start to its exit and
	// the end of its output. When it passes, the script's process group is
	// killed: a script whose header block had not ended gets 504 Gateway
	// Timeout, and one whose body was under way is cut off (the connection
	// is closed). Zero means DefaultTimeout; negative means no limit.
	Timeout time.Duration

	// MaxHeaderBytes bounds the header block of the script's output;
	// beyond it the script is killed and the client gets 502 Bad Gateway.
	// Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	// MaxStderrBytes bounds how much of what the script writes to its
	// standard error is kept for the log: the last MaxStderrBytes bytes,
	// logged through the request's Logger when the script ends. Zero means
	// DefaultMaxStderrBytes; negative discards it.
	MaxStderrBytes int

	// Env adds variables to the script's environment, as "KEY=value"
	// strings; they replace any of the same name that the request or the
	// server's environment gave.
	Env []string

	// InheritEnv names variables of the server's environment that scripts
	// inherit, beside PATH and the dynamic loader's search path, which they
	// always do. No other variable of the server reaches a script.
	InheritEnv []string
}

func (o *Options) timeout() time.Duration {
	if o.Timeout == 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o *Options) maxHeaderBytes() int {
	if o.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return o.MaxHeaderBytes
}

func (o *Options) maxStderrBytes() int {
	if o.MaxStderrBytes == 0 {
		return DefaultMaxStderrBytes
	}
	return o.MaxStderrBytes
}

// Script is a leaf resource that runs one CGI program for every request at
// its path or below it (Twisted's CGIScript): the segments left below it
// become the script's PATH_INFO. Make one with NewScript; set Options
// before serving. It answers every method, and is safe for concurrent use:
// each request runs its own process.
type Script struct {
	resource.Leaf
	Options

	filename string
}

var _ resource.Renderer = (*Script)(nil)

// NewScript returns a Script that runs the executable file filename, made
// absolute against the current directory now. The file is not looked at
// until a request comes; it runs with its own directory as the working
// directory and filename as its first argument. It panics if filename is
// empty.
func NewScript(filename string) *Script {
	if filename == "" {
		panic("cgi: NewScript with no file name")
	}
	if abs, err := filepath.Abs(filename); err == nil {
		filename = abs
	}
	return &Script{filename: filename}
}

// Filename returns the absolute name of the script's file.
func (s *Script) Filename() string { return s.filename }

// Render runs the script for the request and sends what it writes: see
// the package documentation.
func (s *Script) Render(r *request.Request) ([]byte, error) {
	if s.filename == "" {
		panic("cgi: Script used without NewScript")
	}
	return s.run(r, []string{s.filename})
}

// FilteredScript is a Script whose file is run by an interpreter
// (Twisted's FilteredScript, of which PHPScript is one): the process is
// Filter[0], with the arguments Filter[1:], then the script's file name.
//
//	php := cgi.NewFilteredScript("/srv/www/index.php", "/usr/bin/php-cgi")
type FilteredScript struct {
	Script

	// Filter is the interpreter, a file name (looked up in the server's
	// PATH when it has no slash) and its arguments, which go before the
	// script's file name. It must not be empty.
	Filter []string
}

var _ resource.Renderer = (*FilteredScript)(nil)

// NewFilteredScript returns a FilteredScript that runs filename with the
// interpreter filter (a program and its arguments). It panics if filename
// or filter is empty.
func NewFilteredScript(filename string, filter ...string) *FilteredScript {
	if len(filter) == 0 || filter[0] == "" {
		panic("cgi: NewFilteredScript with no interpreter")
	}
	return &FilteredScript{Script: *NewScript(filename), Filter: slices.Clone(filter)}
}

// Render runs the interpreter on the script for the request, as
// Script.Render runs a script.
func (s *FilteredScript) Render(r *request.Request) ([]byte, error) {
	if s.filename == "" || len(s.Filter) == 0 {
		panic("cgi: FilteredScript used without NewFilteredScript")
	}
	return s.run(r, append(slices.Clip(s.Filter), s.filename))
}

// Pages for a script that fails before its header block ends.
var (
	badGateway     = resource.ErrorPage(http.StatusBadGateway, "Bad Gateway", "The CGI script did not send a valid response.")
	gatewayTimeout = resource.ErrorPage(http.StatusGatewayTimeout, "Gateway Timeout", "The CGI script did not answer in time.")
)

// errTimeout is the error of a script cut off after its headers were sent.
var errTimeout = errors.New("cgi: script timed out")

// run runs the program argv (the script, or its interpreter and the
// script), with any command-line arguments of the query appended, and
// answers the request with its output. It returns when the script and its
// process group are gone.
func (s *Script) run(r *request.Request, argv []string) ([]byte, error) {
	body, err := r.ContentReader() // spooled to a file beyond the Site's SpoolThreshold
	if err != nil {
		return nil, err // 413, 408 or 400
	}
	qargs, err := queryArgs(r.HTTPRequest().URL.RawQuery)
	if err != nil {
		return nil, err
	}
	env, err := s.environ(r, s.filename, body.Size())
	if err != nil {
		return nil, err
	}

	var ctx context.Context
	var cancel context.CancelFunc
	if d := s.timeout(); d > 0 {
		ctx, cancel = context.WithTimeout(r.Context(), d)
	} else {
		ctx, cancel = context.WithCancel(r.Context())
	}
	defer cancel()
	p, err := start(ctx, append(argv, qargs...), filepath.Dir(s.filename), env, body, s.maxStderrBytes())
	if err != nil {
		if r.Context().Err() != nil { // the client went away first
			r.Abort(request.ErrGone)
			return nil, resource.NotDoneYet
		}
		return nil, fmt.Errorf("cgi: starting %s: %w", s.filename, err)
	}
	log := r.Logger().With("script", s.filename, "uri", r.URI())
	defer p.logStderr(log)

	code, h, herr := parseHeader(p.out, s.maxHeaderBytes())
	if herr != nil {
		cancel() // kills the process group, if it still runs
		exitErr := p.end()
		switch {
		case r.Context().Err() != nil:
			return gone(r, log)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			log.Error("cgi: script timed out before its headers; process group killed", "timeout", s.timeout())
			return gatewayTimeout.Render(r)
		}
		if exitErr != nil {
			log.Error("cgi: bad script response", "err", herr, "exit", exitErr)
		} else {
			log.Error("cgi: bad script response", "err", herr)
		}
		return badGateway.Render(r)
	}

	rh := r.ResponseHeader()
	for k, v := range h {
		if k == "Set-Cookie" {
			rh[k] = append(rh[k], v...)
		} else {
			rh[k] = v
		}
	}
	if _, ok := rh["Content-Type"]; !ok {
		rh["Content-Type"] = nil // the script chose none: send none
	}
	r.SetResponseCode(code)
	// When the run ends (its timeout, the client gone, the Site closed), a
	// write waiting on a client that does not read must not keep the
	// script from being reaped: the write deadline, moved to the past,
	// ends it. The connection is cut then anyway.
	unblocked := make(chan struct{})
	unblock := context.AfterFunc(ctx, func() {
		defer close(unblocked)
		_ = http.NewResponseController(r.ResponseWriter()).SetWriteDeadline(time.Unix(1, 0))
	})
	dropped, werr, rerr := stream(ctx, r, p.out, declaredLength(h))
	if !unblock() {
		<-unblocked // done with the response before the handler is
	}
	// Killing the group on the timeout may end the output as its own end
	// would: whether the timeout had passed when the output ended is what
	// says that the body was cut short. It had not if the client left
	// first (ctx then ended with the Request's context).
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	if werr != nil || rerr != nil {
		cancel()
	}
	exitErr := p.end()
	switch {
	case timedOut:
		// Cut the connection, so that the client does not take what it
		// got for a whole body.
		return nil, fmt.Errorf("%w after %v, its process group killed: %s", errTimeout, s.timeout(), s.filename)
	case r.Context().Err() != nil, errors.Is(werr, request.ErrGone), errors.Is(werr, request.ErrClosed):
		return gone(r, log)
	case werr != nil:
		return nil, fmt.Errorf("cgi: sending the output of %s: %w", s.filename, werr)
	case rerr != nil:
		return nil, fmt.Errorf("cgi: reading the output of %s: %w", s.filename, rerr)
	}
	if dropped > 0 {
		log.Warn("cgi: script wrote more than its Content-Length; the rest was dropped", "dropped", dropped)
	}
	if exitErr != nil {
		// As in Twisted, the response stands: the body was sent whole.
		log.Error("cgi: script failed after its output", "err", exitErr)
	}
	return nil, nil
}

// gone abandons the response of a client that went away (or of a server
// that closed) while its script ran; the script is gone too.
func gone(r *request.Request, log *slog.Logger) ([]byte, error) {
	log.Info("cgi: the client went away; process group killed")
	r.Abort(request.ErrGone)
	return nil, resource.NotDoneYet
}

// stream copies the script's output to the client, each read sent at
// once (the headers go with the first), until the output ends or ctx
// does. Of a body that runs past the Content-Length the script declared
// (length, or -1 for none), only length bytes are sent, as a gateway must
// (RFC 9112 §6.3): the rest is read to its end and dropped, so that the
// script runs to its end as it would have. It returns the bytes dropped,
// and the error of the write or of the read that stopped it (ctx's for
// ctx); the end of the output is no error.
func stream(ctx context.Context, r *request.Request, out *bufio.Reader, length int64) (dropped int64, werr, rerr error) {
	r.Stream()
	for {
		if err := ctx.Err(); err != nil {
			return dropped, nil, err
		}
		if _, err := out.Peek(1); err != nil { // reads when nothing is buffered
			if errors.Is(err, io.EOF) {
				return dropped, nil, nil
			}
			return dropped, nil, err
		}
		chunk, _ := out.Peek(out.Buffered())
		n := len(chunk)
		if length >= 0 && int64(n) > length {
			chunk = chunk[:length]
			dropped += int64(n) - length
		}
		if len(chunk) > 0 {
			if _, werr = r.Write(chunk); errors.Is(werr, http.ErrBodyNotAllowed) {
				werr = nil // a 204 or 304: the script's body is dropped
			}
			if werr != nil {
				return dropped, werr, nil
			}
			if length >= 0 {
				length -= int64(len(chunk))
			}
		}
		out.Discard(n)
	}
}

// declaredLength returns the Content-Length of the script's header, which
// parseHeader checked, or -1 if it has none.
func declaredLength(h http.Header) int64 {
	v := h["Content-Length"]
	if len(v) == 0 {
		return -1
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil {
		return -1
	}
	return n
}
