package resource

import (
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/session"
)

// Serve answers one request from the tree at root, as Twisted's
// Request.process and render: the request target "*" is answered for
// OPTIONS (200, empty) and refused for anything else (405, Allow: OPTIONS);
// otherwise it traverses with ChildForRequest, renders with Render, and
// sends the body with Request.FinishWith. An error from traversal or
// rendering, or a panic in either, is logged and gives the failure page
// (see Fail); a panic whose value is a *request.StatusError (as
// Request.GetSession panics when the sessions are unavailable) is treated
// as that error, without a stack.
//
// Serve reports whether the resource returned NotDoneYet: the response is
// then made to stream (Request.Stream), and the caller waits for the
// Request's NotifyFinish channel before it returns from its handler. If a
// failure came after the response's first byte, Serve panics with
// http.ErrAbortHandler, which makes net/http cut the connection, so that
// the client does not take a truncated body for a whole one.
//
// When the Site has an inspector, Serve records for it the steps of the
// traversal and the render method that answered.
func Serve(root Resource, r *request.Request) (async bool) {
	if r.HTTPRequest().RequestURI == "*" {
		if t := introspect.From(r.HTTPRequest().Context()); t != nil {
			t.Begin(r)
		}
		if r.Method() != http.MethodOptions {
			r.SetResponseCode(http.StatusMethodNotAllowed)
			r.SetHeader("Allow", http.MethodOptions)
		}
		r.FinishWith(nil)
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				// net/http cuts the connection: the response ends here,
				// and NotifyFinish says so.
				r.Abort(http.ErrAbortHandler)
				panic(v)
			}
			setFailed(r)
			err, stack := fmt.Errorf("panic: %v", v), debug.Stack()
			if se, ok := v.(*request.StatusError); ok {
				err, stack = se, nil
			}
			if fail(r, err, stack) {
				panic(http.ErrAbortHandler)
			}
			async = false
		}
	}()
	t := introspect.From(r.HTTPRequest().Context())
	res, err := childForRequest(root, r, t)
	var body []byte
	if err == nil {
		if t != nil {
			t.SetRender(r, res, answering(res, r.Method()))
		}
		body, err = Render(res, r)
	}
	switch {
	case err == nil:
		if err := r.FinishWith(body); err != nil {
			finishFailed(r, err)
		}
	case errors.Is(err, NotDoneYet):
		if t != nil {
			t.SetAsync()
		}
		r.Stream()
		return true
	default:
		setFailed(r)
		if fail(r, err, nil) {
			panic(http.ErrAbortHandler)
		}
	}
	return false
}

// finishFailed handles the error of the FinishWith that sends a
// synchronous render's result. If the response has not ended, nothing was
// sent: a session could not be saved, and the client gets the failure page
// (503 when the store is unavailable), unless a goroutine of the resource
// wrongly sent the headers meanwhile, after which Fail abandons the
// response instead. If the resource abandoned the response with an error
// of its own (Request.Abort), or Fail did, net/http cuts the connection
// (over HTTP/2, resets the stream), so that the client does not take what
// it received, or nothing, for a whole response.
func finishFailed(r *request.Request, err error) {
	select {
	case end := <-r.NotifyFinish():
		if end != nil && !errors.Is(end, request.ErrGone) && !errors.Is(end, request.ErrClosed) {
			panic(http.ErrAbortHandler)
		}
	default:
		if fail(r, err, nil) {
			panic(http.ErrAbortHandler)
		}
	}
}

// finishPage sends body, a failure page, and ends the response. When a
// session's cookie must go out with it and the session cannot be saved,
// FinishWith drops that cookie and fails: the page then goes without it
// (a request has at most two sessions).
func finishPage(r *request.Request, body []byte) {
	for range 3 {
		if r.FinishWith(body) == nil || r.HeadersSent() {
			return
		}
	}
}

// representationHeaders describe the body a resource meant to send, not
// the error page that replaces it.
var representationHeaders = [...]string{
	"Content-Encoding", "Content-Range", "Content-Disposition",
	"Content-Location", "ETag", "Last-Modified",
}

// dropRepresentation removes from a failed response the headers that
// describe the body the resource meant to send: the page is not encoded
// as it said ("Content-Encoding: br" on the plain page makes a browser
// fail to show it), nor a part of it, nor a download named as it said.
// The rest (cookies, Cache-Control, CORS headers) stays.
func dropRepresentation(r *request.Request) {
	for _, name := range representationHeaders {
		r.DelHeader(name)
	}
}

// setFailed records for the inspector, if there is one, that r failed.
func setFailed(r *request.Request) {
	if t := introspect.From(r.HTTPRequest().Context()); t != nil {
		t.SetFailed(r)
	}
}

// Fail ends the response with the page for err and logs err with the
// Request's logger, stack included when given: the status of a
// *request.StatusError with a 4xx or 5xx code (whose error is logged, never
// shown), 503 for an error wrapping session.ErrUnavailable (a shared
// session store that failed), else 500 "Processing Failed", or, with
// DisplayTracebacks, a page
// showing the error and stack, HTML-escaped. The page keeps the headers
// the resource set, less those that described the body it meant to send
// (Content-Encoding, Content-Range, Content-Disposition, Content-Location,
// ETag, Last-Modified). If the headers were already
// sent, the response is abandoned with err instead. A resource that fails
// after returning NotDoneYet may call Fail itself.
func Fail(r *request.Request, err error, stack []byte) { fail(r, err, stack) }

// fail is Fail; it reports whether the response was cut: abandoned after its
// headers went out.
func fail(r *request.Request, err error, stack []byte) (cut bool) {
	var se *request.StatusError
	if !errors.As(err, &se) && errors.Is(err, session.ErrUnavailable) {
		se = &request.StatusError{Code: http.StatusServiceUnavailable, Err: err}
		err = se
	}
	if se != nil && se.Code >= 400 && se.Code < 600 {
		level := slog.LevelInfo // the client's fault
		if se.Code >= 500 {
			level = slog.LevelError
		}
		r.Logger().Log(r.Context(), level, "request refused", "uri", r.URI(), "status", se.Code, "err", err)
		if r.HeadersSent() {
			r.Abort(err)
			return true
		}
		dropRepresentation(r)
		page := ErrorPage(se.Code, http.StatusText(se.Code), clientErrorDetail(se.Code))
		body, _ := page.Render(r)
		finishPage(r, body)
		return false
	}
	attrs := []any{"uri", r.URI(), "method", r.Method(), "err", err}
	if stack != nil {
		attrs = append(attrs, "stack", string(stack))
	}
	r.Logger().Error("processing failed", attrs...)
	if r.HeadersSent() {
		r.Abort(err)
		return true
	}
	// Only the Request's own methods from here: Fail may run on any
	// goroutine, and once the response was abandoned the server may be
	// reading the header map, or be done with it.
	r.SetResponseCode(http.StatusInternalServerError)
	dropRepresentation(r)
	r.SetHeader("Content-Type", "text/html")
	if !r.DisplayTracebacks() {
		finishPage(r, processingFailed)
		return false
	}
	var b strings.Builder
	b.WriteString("<html><head><title>web.Server Traceback (most recent call last)</title></head>" +
		"<body><b>web.Server Traceback (most recent call last):</b>\n\n<p>")
	b.WriteString(escapeASCII(err.Error()))
	b.WriteString("</p>\n<pre>")
	b.WriteString(escapeASCII(string(stack)))
	b.WriteString("</pre>\n\n</body></html>\n")
	finishPage(r, []byte(b.String()))
	return false
}

var (
	processingFailed = []byte("<html><head><title>Processing Failed</title></head><body><b>Processing Failed</b></body></html>")
)

func clientErrorDetail(code int) string {
	switch code {
	case http.StatusRequestEntityTooLarge:
		return "The request body is larger than this server accepts."
	case http.StatusBadRequest:
		return "The request could not be understood."
	case http.StatusRequestTimeout:
		return "The request body did not arrive in time."
	case http.StatusServiceUnavailable:
		return "The service is temporarily unavailable. Please try again shortly."
	}
	return "The request was refused."
}

// escapeASCII escapes s for HTML and writes every non-ASCII character as a
// numeric reference (U+2603 as &#9731;), as Twisted's traceback page does.
func escapeASCII(s string) string {
	s = html.EscapeString(s)
	var b strings.Builder
	for _, c := range s {
		if c < utf8.RuneSelf {
			b.WriteRune(c)
		} else {
			fmt.Fprintf(&b, "&#%d;", c)
		}
	}
	return b.String()
}
