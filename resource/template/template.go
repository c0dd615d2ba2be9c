// Package template renders [html/template] templates as resources, standing
// in for twisted.web.template.
//
// A [Resource] executes its template with data computed from the request
// and answers GET (and HEAD) with the result as text/html; charset=utf-8.
// By default the page is rendered into a buffer first, so that a template
// error gives the Site's 500 "Processing Failed" page (with the error when
// the Site's DisplayTracebacks is set) rather than half a page. With Stream
// set, the template executes straight into the response, for large pages;
// an error after the first byte was sent is logged, and the response ends
// with the error notice Twisted's renderElement writes.
//
//	t := template.Must(template.New("hello").Parse(`<p>Hello, {{.}}!</p>`))
//	root.PutChild("hello", webtemplate.New(t, func(r *request.Request) (any, error) {
//		return r.Arg("name"), nil
//	}))
package template

import (
	"bytes"
	"errors"
	"html"
	"html/template"
	"sync/atomic"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// DataFunc computes the data a template executes with. An error it returns
// gives the failure page (a *request.StatusError picks its status), and the
// template is not executed.
type DataFunc func(r *request.Request) (any, error)

// Resource renders a template for GET and HEAD. Make one with New and set
// its fields before serving. It embeds resource.Base, so it may have
// children; as Twisted's resources, it is not a leaf. It is safe for
// concurrent use (html/template templates are).
type Resource struct {
	resource.Base

	// Name names the template to execute among those associated with the
	// template given to New; "" executes that template itself.
	Name string

	// Stream executes the template straight into the response instead of
	// into a buffer: the page reaches the client as it is rendered, but a
	// template error after the first byte can no longer become the failure
	// page. The response is then ended with an error notice (with the
	// error itself under DisplayTracebacks) and the error is logged.
	Stream bool

	t    *template.Template
	data DataFunc
	hint atomic.Int64 // size of the last page, to size the next buffer
}

var _ resource.GETRenderer = (*Resource)(nil)

// New returns a resource that renders t with the data data returns for each
// request; a nil data gives the template nil. It panics if t is nil.
func New(t *template.Template, data DataFunc) *Resource {
	if t == nil {
		panic("template: New(nil, ...)")
	}
	return &Resource{t: t, data: data}
}

// RenderGET executes the template. It sets Content-Type to
// text/html; charset=utf-8 unless the data function set one (or set it to
// nil, to send none). In the default
// buffered mode it returns the page or the template's error; with Stream it
// writes the page itself and returns a nil body (the response ends when it
// returns), or the error if nothing was sent yet.
func (t *Resource) RenderGET(r *request.Request) ([]byte, error) {
	var data any
	if t.data != nil {
		var err error
		if data, err = t.data(r); err != nil {
			return nil, err
		}
	}
	if _, set := r.ResponseHeader()["Content-Type"]; !set {
		r.SetHeader("Content-Type", "text/html; charset=utf-8")
	}
	if t.Stream {
		return t.stream(r, data)
	}
	var buf bytes.Buffer
	buf.Grow(int(t.hint.Load()))
	if err := t.execute(&buf, data); err != nil {
		return nil, err
	}
	t.hint.Store(int64(buf.Len()))
	return buf.Bytes(), nil
}

func (t *Resource) execute(w *bytes.Buffer, data any) error {
	if t.Name == "" {
		return t.t.Execute(w, data)
	}
	return t.t.ExecuteTemplate(w, t.Name, data)
}

// errorNotice ends a streamed page whose template failed, as Twisted's
// renderElement does.
const errorNotice = `<div style="font-size:800%;background-color:#FFF;color:#F00">An error occurred while rendering the response.</div>`

func (t *Resource) stream(r *request.Request, data any) ([]byte, error) {
	// html/template writes in small pieces: the Request coalesces them.
	var err error
	if t.Name == "" {
		err = t.t.Execute(r, data)
	} else {
		err = t.t.ExecuteTemplate(r, t.Name, data)
	}
	if err == nil || !r.HeadersSent() {
		// Done, or nothing went out and the failure page can be sent.
		return nil, err
	}
	if errors.Is(err, request.ErrGone) || errors.Is(err, request.ErrClosed) {
		return nil, nil // nobody is there to read the notice
	}
	r.Logger().Error("template failed while streaming", "uri", r.URI(), "err", err)
	notice := errorNotice
	if r.DisplayTracebacks() {
		notice = `<pre style="color:#F00">` + html.EscapeString(err.Error()) + `</pre>`
	}
	_, _ = r.Write([]byte(notice))
	return nil, nil
}
