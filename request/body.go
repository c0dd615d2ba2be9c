package request

import (
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"
)

// Limits on request bodies when the Config fields are zero.
const (
	// DefaultMaxBodySize is the largest body read (Config.MaxBodySize).
	DefaultMaxBodySize = 10 << 20
	// DefaultSpoolThreshold is the size beyond which a body, or a file in
	// a multipart body, is kept in a temporary file (Config.SpoolThreshold).
	DefaultSpoolThreshold = 1 << 20
	// DefaultMaxFormMemory is the most form values kept in memory
	// (Config.MaxFormMemory), as net/http's limit on urlencoded forms.
	DefaultMaxFormMemory = 10 << 20
	// DefaultMaxFormFields is the most arguments in a query and an
	// urlencoded body together (Config.MaxFormFields), as PHP's
	// max_input_vars and Django's DATA_UPLOAD_MAX_NUMBER_FIELDS.
	DefaultMaxFormFields = 1000
	// DefaultMaxMultipartParts is the most parts in a multipart body
	// (Config.MaxMultipartParts), as mime/multipart's ReadForm.
	DefaultMaxMultipartParts = 1000
)

// headersPerPart is the most header lines a multipart body may have per
// part it may have, counted over all its parts: with the default limit on
// parts, 10,000 header lines, as mime/multipart's ReadForm allows.
const headersPerPart = 10

// StatusError is an error that carries the status the client should get,
// such as 400 for a malformed body or 413 for one too large. A render method
// that returns one (possibly wrapped) with a 4xx or 5xx Code gets the error
// page for that status; its Err is logged but never shown to the client.
type StatusError struct {
	Code int
	Err  error
}

// Error returns the status, its text and the wrapped error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %v", e.Code, http.StatusText(e.Code), e.Err)
}

// Unwrap returns the wrapped error.
func (e *StatusError) Unwrap() error { return e.Err }

// Errors that the body methods (Content, ContentReader, Args, Files) wrap
// in a StatusError.
var (
	// ErrBodyTooLarge: the body is larger than Config.MaxBodySize, or its
	// form values than Config.MaxFormMemory (413).
	ErrBodyTooLarge = errors.New("request: body too large")
	// ErrMalformedBody: the body does not parse as its Content-Type says,
	// or it was cut short (400).
	ErrMalformedBody = errors.New("request: malformed body")
	// ErrTooManyFields: the query and body hold more arguments than
	// Config.MaxFormFields, or the multipart body more parts (or part
	// header lines) than Config.MaxMultipartParts allows (413).
	ErrTooManyFields = errors.New("request: too many form fields")
	// ErrBodyTimeout: the client sent nothing of its body for
	// Config.BodyIdleTimeout (408).
	ErrBodyTimeout = errors.New("request: body timed out")
)

// bodyState is what a Request knows of its body, read on first use.
type bodyState struct {
	lazy     sync.Mutex // guards the fields up to spoolMu; held while the body is read
	store    *bodyStore // the body read in full, once storeOK
	storeErr error
	content  []byte // Content's copy of a spooled body
	args     map[string][]string
	files    map[string][]*File
	argsErr  error
	storeOK  bool // (next to argsOK and spoolMu, to spare padding: see more)
	argsOK   bool

	spoolMu    sync.Mutex  // guards the fields below
	spool      *os.File    // the temporary file holding the body, if any
	spoolEnded bool        // the response ended: the file is closed, the readers stopped
	watched    []*idleBody // the body's readers, stopped when the response ends
	stream     *idleBody   // the one Body returns
}

// Content returns the request body, read in full on the first call and
// kept for later ones, as Twisted's request.content.read(). The body is at
// most Config.MaxBodySize (Site.MaxRequestBodySize) bytes: beyond it, or if
// the client sends nothing for Config.BodyIdleTimeout, Content returns a
// *StatusError (413 wrapping ErrBodyTooLarge, 408 wrapping
// ErrBodyTimeout). A body not read before the response ended cannot be
// read afterwards (ErrFinished). The returned slice belongs to the Request:
// do not modify it.
//
// Content holds the whole body in memory; ContentReader does not.
func (r *Request) Content() ([]byte, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	s, err := r.storeLocked()
	if err != nil || s.file == nil {
		return s.mem, err
	}
	if r.content == nil {
		b := make([]byte, s.size)
		if _, err := s.file.ReadAt(b, 0); err != nil {
			return nil, fmt.Errorf("request: reading the spooled body: %w", err)
		}
		r.content = b
	}
	return r.content, nil
}

// Body returns the request body for code that reads it as a stream itself,
// such as a mounted http.Handler (resource/handler gives it to the handler
// as its Request.Body) or a reverse proxy. It is the body as the client
// sends it, unread and not limited by Config.MaxBodySize, but cut as
// Content's is: once the client has sent nothing for
// Config.BodyIdleTimeout, a read fails with a 408 *StatusError wrapping
// ErrBodyTimeout and the connection is closed. Every call returns the same
// reader, which fails every read once the response has ended. Closing it
// closes HTTPRequest().Body. With the timeout off (a negative
// BodyIdleTimeout), Body is HTTPRequest().Body itself, whose reads fail
// once net/http has closed it.
//
// Content, ContentReader, Args and Files read the body too: use them or
// Body, not both.
func (r *Request) Body() io.ReadCloser {
	body := r.r.Body
	if body == nil || body == http.NoBody {
		return http.NoBody
	}
	r.ext()
	r.spoolMu.Lock()
	s := r.stream
	r.spoolMu.Unlock()
	if s != nil {
		return s
	}
	s, err := r.watch()
	if s == nil && err == nil {
		return body // no timeout: net/http's body, as it is
	}
	if s == nil { // the response has ended: a reader that reads nothing
		s = &idleBody{src: body, stopped: true}
	}
	r.spoolMu.Lock()
	defer r.spoolMu.Unlock()
	if r.stream == nil {
		r.stream = s
	}
	return r.stream
}

// watch returns a reader of the body that the Request stops when the
// response ends, so that it never touches the server's ResponseWriter
// afterwards, or nil if Config.BodyIdleTimeout is off. It returns
// ErrFinished if the response has already ended.
func (r *Request) watch() (*idleBody, error) {
	r.mu.Lock()
	r.extLocked()
	if r.finished || r.gone != nil {
		// A response that ended before r.more existed: endLocked could
		// not tell the body, so say it now.
		r.endBody()
	}
	r.mu.Unlock()
	r.spoolMu.Lock()
	defer r.spoolMu.Unlock()
	if r.spoolEnded {
		return nil, ErrFinished
	}
	b := newIdleBody(r.w, r.r.Body, r.cfg)
	if b != nil {
		r.watched = append(r.watched, b)
	}
	return b, nil
}

// ContentReader returns the request body as a reader that seeks, as
// Twisted's request.content: each call returns a new reader at the start
// of the body. The body is read in full on the first call of ContentReader,
// Content or Args, with the same limits as Content; beyond
// Config.SpoolThreshold bytes it is kept in a temporary file, deleted from
// its directory as soon as it is made, and closed when the response ends,
// so that a large upload costs little memory. The reader may be used from
// any goroutine until the response ends; afterwards its reads of a
// spooled body fail, and a body over the threshold not read yet cannot be
// (ErrFinished).
func (r *Request) ContentReader() (*io.SectionReader, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	s, err := r.storeLocked()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(s, 0, s.size), nil
}

// Args returns the request's arguments, parsed on the first call, as
// Twisted's request.args: the query string split on "&" and ";" (items
// without "=" dropped, "+" read as a space, then percent-decoded), and, for
// a POST whose body is not empty, the body's form fields
// (application/x-www-form-urlencoded, or multipart/form-data where a
// repeated name keeps its last part), each body key replacing the query's
// values for that key.
//
// A multipart body's files (parts with a filename) are in Files; those of
// at most Config.SpoolThreshold bytes are in Args too, as Twisted has them,
// as long as the form values fit in Config.MaxFormMemory.
//
// The type of the body is that of its Content-Type, whatever the
// parameters after it; a multipart body whose parameters do not parse (two
// boundaries, say) is malformed.
//
// The limits: a malformed body gives a *StatusError with code 400 wrapping
// ErrMalformedBody; more arguments than Config.MaxFormFields, or more parts
// than Config.MaxMultipartParts, 413 wrapping ErrTooManyFields; a body or
// form values over their size limits, 413 wrapping ErrBodyTooLarge. On an
// error in the body, Args returns the query's arguments with it. The
// returned map belongs to the Request: do not modify it.
func (r *Request) Args() (map[string][]string, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	r.argsLocked()
	return r.args, r.argsErr
}

// Files returns the files of a multipart/form-data body (its parts with a
// filename) by field name, in the order they came, parsed with Args (and
// with its errors). Their contents stay where the body is, in memory or in
// its temporary file (see ContentReader), and may be read until the
// response ends. The returned map belongs to the Request: do not modify it.
func (r *Request) Files() (map[string][]*File, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	r.argsLocked()
	return r.files, r.argsErr
}

// Arg returns the first value of the named argument, or "" if it has none.
// When the body cannot be parsed it looks in the query's arguments alone,
// which Args returns with the error (call Args to see why).
func (r *Request) Arg(name string) string {
	args, _ := r.Args()
	if v := args[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// argsLocked parses the arguments, once. r.lazy must be held.
func (r *Request) argsLocked() {
	if r.argsOK {
		return
	}
	r.argsOK = true
	r.args = make(map[string][]string)
	fields := limit(r.cfg.MaxFormFields, DefaultMaxFormFields)
	if !parseQuery(r.args, r.r.URL.RawQuery, &fields) {
		clear(r.args)
		r.argsErr = &StatusError{http.StatusRequestEntityTooLarge, ErrTooManyFields}
		return
	}
	if r.r.Method != http.MethodPost || r.r.ContentLength == 0 {
		return
	}
	header := r.r.Header.Get("Content-Type")
	ctype := mediaType(header)
	if ctype != "application/x-www-form-urlencoded" && ctype != "multipart/form-data" {
		return
	}
	s, err := r.storeLocked()
	if err != nil {
		r.argsErr = err
		return
	}
	if s.size == 0 {
		// A body of unknown length that was empty: no form, as with
		// Content-Length: 0 (Twisted looks at the bytes it received).
		return
	}
	var form map[string][]string
	if ctype == "multipart/form-data" {
		// Parameters that do not parse (repeated with other values, or
		// broken) give no boundary, so 400: which boundary was meant?
		_, params, _ := mime.ParseMediaType(header)
		form, r.files, err = r.parseMultipart(s, params["boundary"])
	} else {
		form, err = r.parseURLEncoded(s, &fields)
	}
	if err != nil {
		r.argsErr = err
		return
	}
	// The body's keys replace the query's: add the query's others.
	for k, v := range r.args {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	r.args = form
}

// mediaType returns the media type of a Content-Type header value,
// lower-cased, whatever its parameters hold, as Twisted reads it: a form
// whose header has a parameter that does not parse is still a form.
func mediaType(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// parseURLEncoded parses an application/x-www-form-urlencoded body, adding
// at most *fields values.
func (r *Request) parseURLEncoded(s *bodyStore, fields *int64) (map[string][]string, error) {
	if s.size > limit(r.cfg.MaxFormMemory, DefaultMaxFormMemory) {
		return nil, &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
	}
	text, err := s.text()
	if err != nil {
		return nil, err
	}
	form := make(map[string][]string)
	if !parseQuery(form, text, fields) {
		return nil, &StatusError{http.StatusRequestEntityTooLarge, ErrTooManyFields}
	}
	return form, nil
}

// noLimit is what limit returns for a Config field that sets none.
const noLimit = math.MaxInt64

// limit returns the limit a Config field sets: def when it is zero,
// noLimit when it is negative.
func limit[T int | int64](v T, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return noLimit
	}
	return int64(v)
}

// storeLocked reads the body in full, once. r.lazy must be held.
func (r *Request) storeLocked() (*bodyStore, error) {
	if !r.storeOK {
		r.storeOK = true
		r.store, r.storeErr = r.readBody()
		if r.storeErr != nil {
			r.store = &bodyStore{}
		}
	}
	return r.store, r.storeErr
}

// readBody reads the body, keeping it in memory up to the spool threshold
// and in a temporary file beyond it.
func (r *Request) readBody() (*bodyStore, error) {
	s := &bodyStore{}
	if r.r.Body == nil || r.r.Body == http.NoBody {
		return s, nil
	}
	maxSize := limit(r.cfg.MaxBodySize, DefaultMaxBodySize)
	if r.r.ContentLength > maxSize {
		return nil, &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
	}
	w, err := r.watch()
	if err != nil {
		return nil, err
	}
	var body io.Reader = r.r.Body
	if w != nil {
		body = w
		defer w.stop()
	}
	if maxSize < noLimit {
		body = http.MaxBytesReader(r.w, io.NopCloser(body), maxSize)
	}
	threshold := limit(r.cfg.SpoolThreshold, DefaultSpoolThreshold)
	var head []byte
	if cl := r.r.ContentLength; cl <= threshold { // unknown (-1) or small: try memory
		var err error
		head, err = readUpTo(body, threshold, cl)
		if err != nil {
			return nil, readError(err)
		}
		if int64(len(head)) <= threshold {
			s.mem, s.size = head, int64(len(head))
			return s, nil
		}
	}
	f, err := r.openSpool()
	if err != nil {
		return nil, err
	}
	s.file = f
	s.size, err = spoolTo(f, head, body)
	return s, err
}

// readError is the error the client gets when reading its body failed.
func readError(err error) error {
	var se *StatusError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &se):
		return err // the idle timeout's 408
	case errors.As(err, &tooLarge):
		return &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
	}
	// The client went away, or sent a broken chunked body.
	return &StatusError{http.StatusBadRequest, fmt.Errorf("%w: %w", ErrMalformedBody, err)}
}

// readUpTo reads src until EOF or until it has more than limit bytes. hint
// is the expected length, or negative. The buffer grows with what arrives,
// not with what was announced: a client that declares a large
// Content-Length and sends nothing costs firstRead bytes, not the length.
func readUpTo(src io.Reader, limit, hint int64) ([]byte, error) {
	// Capacities are written as min(c-1, limit)+1, so as not to overflow
	// when limit or hint is math.MaxInt64: the buffer never needs more
	// than limit+1 bytes, nor, while the body keeps to its length, more
	// than hint+1 (the extra byte to see EOF without growing).
	first := int64(minRead)
	if hint >= 0 {
		first = min(hint, firstRead-1) + 1
	}
	buf := make([]byte, 0, min(first-1, limit)+1)
	for {
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, err
		case int64(len(buf)) > limit:
			return buf, nil
		case len(buf) == cap(buf):
			next := 2*int64(cap(buf)) - 1
			if hint >= int64(len(buf)) {
				next = min(next, hint)
			}
			grown := make([]byte, len(buf), min(next, limit)+1)
			copy(grown, buf)
			buf = grown
		}
	}
}

// The first buffer of readUpTo: minRead bytes for a body of unknown
// length, and at most firstRead for one whose length was announced.
const (
	minRead   = 512
	firstRead = 32 << 10
)

// text returns the body as a string.
func (s *bodyStore) text() (string, error) {
	if s.file == nil {
		return string(s.mem), nil
	}
	var b strings.Builder
	b.Grow(int(s.size))
	if _, err := io.Copy(&b, io.NewSectionReader(s.file, 0, s.size)); err != nil {
		return "", fmt.Errorf("request: reading the spooled body: %w", err)
	}
	return b.String(), nil
}
