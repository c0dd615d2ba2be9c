package request

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

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

// Errors that Content and Args wrap in a StatusError.
var (
	// ErrBodyTooLarge: the body is larger than Config.MaxBodySize (413).
	ErrBodyTooLarge = errors.New("request: body too large")
	// ErrMalformedBody: the body does not parse as its Content-Type says (400).
	ErrMalformedBody = errors.New("request: malformed body")
)

// Content returns the raw request body, read in full on the first call and
// kept in memory for later ones, so its size is bounded by
// Config.MaxBodySize (Site.MaxRequestBodySize); a resource that must take
// larger bodies streams HTTPRequest().Body itself. A body larger than Config.MaxBodySize gives a
// *StatusError with code 413 wrapping ErrBodyTooLarge.
func (r *Request) Content() ([]byte, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	return r.contentLocked()
}

func (r *Request) contentLocked() ([]byte, error) {
	if r.bodyOK {
		return r.body, r.bodyErr
	}
	r.bodyOK = true
	if r.r.Body == nil || r.r.Body == http.NoBody {
		return nil, nil
	}
	max := r.cfg.MaxBodySize
	if max == 0 {
		max = DefaultMaxBodySize
	}
	var body io.Reader = r.r.Body
	if max > 0 {
		if r.r.ContentLength > max {
			r.bodyErr = &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
			return nil, r.bodyErr
		}
		body = http.MaxBytesReader(r.w, r.r.Body, max)
	}
	b, err := io.ReadAll(body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		r.bodyErr = &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
	case err != nil:
		r.bodyErr = &StatusError{http.StatusBadRequest, fmt.Errorf("%w: %w", ErrMalformedBody, err)}
	}
	r.body = b
	return r.body, r.bodyErr
}

// Args returns the request's arguments, parsed on the first call, as
// Twisted's request.args: the query string split on "&" and ";" (items
// without "=" dropped, "+" read as a space, then percent-decoded), and, for
// a POST, the body's form fields (application/x-www-form-urlencoded, or
// multipart/form-data where a repeated name keeps its last part), each body
// key replacing the query's values for that key. A malformed body gives a
// *StatusError with code 400 wrapping ErrMalformedBody; an oversized one 413.
// The returned map belongs to the Request: do not modify it.
func (r *Request) Args() (map[string][]string, error) {
	r.ext()
	r.lazy.Lock()
	defer r.lazy.Unlock()
	if r.argsOK {
		return r.args, r.argsErr
	}
	r.argsOK = true
	r.args = parseQuery(r.r.URL.RawQuery)
	if r.r.Method != http.MethodPost || r.r.ContentLength == 0 {
		return r.args, nil
	}
	ctype, params, _ := mime.ParseMediaType(r.r.Header.Get("Content-Type"))
	var form map[string][]string
	switch ctype {
	case "application/x-www-form-urlencoded":
		body, err := r.contentLocked()
		if err != nil {
			r.argsErr = err
			return r.args, err
		}
		form = parseQuery(string(body))
	case "multipart/form-data":
		body, err := r.contentLocked()
		if err == nil {
			form, err = parseMultipart(body, params["boundary"])
		}
		if err != nil {
			r.argsErr = err
			return r.args, err
		}
	}
	for k, v := range form {
		r.args[k] = v
	}
	return r.args, nil
}

// Arg returns the first value of the named argument, or "" if it has none
// or the arguments cannot be parsed (call Args to see why).
func (r *Request) Arg(name string) string {
	args, _ := r.Args()
	if v := args[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseQuery parses s as Twisted's parse_qs with keep_blank_values: items
// are separated by "&" or ";", an item without "=" is dropped, and "+" is a
// space before percent-decoding.
func parseQuery(s string) map[string][]string {
	m := make(map[string][]string)
	for len(s) > 0 {
		var item string
		i := strings.IndexAny(s, "&;")
		if i < 0 {
			item, s = s, ""
		} else {
			item, s = s[:i], s[i+1:]
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		k = Unquote(strings.ReplaceAll(k, "+", " "))
		v = Unquote(strings.ReplaceAll(v, "+", " "))
		m[k] = append(m[k], v)
	}
	return m
}

// parseMultipart reads every part of a multipart/form-data body; a repeated
// name keeps its last part.
func parseMultipart(body []byte, boundary string) (map[string][]string, error) {
	bad := func(err error) error {
		return &StatusError{http.StatusBadRequest, fmt.Errorf("%w: %w", ErrMalformedBody, err)}
	}
	if boundary == "" {
		return nil, bad(errors.New("multipart body without boundary"))
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	form := make(map[string][]string)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, bad(err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, bad(err)
		}
		if name := p.FormName(); name != "" {
			form[name] = []string{string(data)}
		}
	}
}
