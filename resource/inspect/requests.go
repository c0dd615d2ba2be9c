package inspect

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gotwisted/web/internal/introspect"
)

// requests writes the requests view: the latest requests, newest first,
// each with its traversal steps.
func (v view) requests(w *writer) {
	list := v.ins.recent()
	if len(list) == 0 {
		w.raw("<p>No request yet (requests to the inspector are not shown).</p>\n")
		return
	}
	w.raw("<p class=\"help\">The latest ")
	w.text(itoa(len(list)))
	w.raw(" requests, newest first. Each step moves one segment from the postpath to the prepath " +
		"and asks the resource for that child. Queries are not shown.</p>\n")
	for _, t := range list {
		writeTrace(w, t)
	}
}

func writeTrace(w *writer, t *introspect.Trace) {
	w.raw("<article class=\"req\"><h3>")
	w.tag("span", "method", shorten(t.Method))
	w.raw(" ")
	w.tag("code", "path", shorten(t.Path))
	w.raw(" → ")
	w.tag("span", statusClass(t.Status), statusText(t.Status))
	w.raw(" ")
	w.tag("span", "took", took(t.Took))
	w.raw(" ")
	w.tag("time", "", t.Start.Format("15:04:05.000"))
	w.raw(" ")
	w.tag("span", "client", t.Client)
	w.raw("</h3>\n<table class=\"steps\"><thead><tr><th>#</th><th>segment</th><th>prepath after</th>" +
		"<th>postpath after</th><th>resource reached</th><th>how</th></tr></thead><tbody>\n")
	if t.Initial != nil {
		w.raw("<tr class=\"start\"><td>0</td><td></td><td>[]</td><td>")
		w.text(segments(t.Initial))
		w.raw("</td><td>the root</td><td>start</td></tr>\n")
	}
	for i, st := range t.Steps {
		w.raw("<tr class=\"" + howClass(st.How) + "\"><td>")
		w.text(itoa(i + 1))
		w.raw("</td><td><code>")
		w.text(segment(st.Segment))
		w.raw("</code></td><td>")
		if st.Prepath != nil {
			w.text(segments(st.Prepath))
		}
		w.raw("</td><td>")
		if st.Postpath != nil {
			w.text(segments(st.Postpath))
		}
		w.raw("</td><td><code>")
		w.text(st.Reached)
		w.raw("</code></td><td>")
		w.text(st.How.String())
		w.raw("</td></tr>\n")
	}
	if t.More > 0 {
		w.raw("<tr class=\"cut\"><td colspan=\"6\">")
		w.text(itoa(t.More) + " more steps: not kept")
		w.raw("</td></tr>\n")
	}
	w.raw("</tbody></table>\n<p class=\"render\">")
	w.text(renderLine(t))
	w.raw("</p></article>\n")
}

// renderLine says what rendered the response.
func renderLine(t *introspect.Trace) string {
	var b strings.Builder
	switch {
	case t.Answer == "" && t.Failed:
		b.WriteString("traversal failed: the failure page")
	case t.Answer == "":
		b.WriteString("no traversal")
	default:
		fmt.Fprintf(&b, "answered by %s of %s", t.Answer, t.Rendered)
		if t.Failed {
			b.WriteString(", which failed: the failure page")
		}
	}
	if t.Async {
		b.WriteString("; it returned NotDoneYet")
	}
	switch t.End {
	case introspect.Finished:
		if t.Async {
			b.WriteString(" and finished later")
		}
	case introspect.ClientGone:
		b.WriteString(", and the client went away before it finished")
	case introspect.SiteClosed:
		b.WriteString(", and the Site closed before it finished")
	case introspect.Abandoned:
		b.WriteString(", then abandoned the response: the connection was cut")
	case introspect.Hijacked:
		b.WriteString(" and took the connection over (hijacked): the time is the handshake's")
	}
	return b.String()
}

func statusClass(code int) string {
	switch {
	case code == 0 || code >= 500: // 0: nothing sent
		return "status s5"
	case code >= 400:
		return "status s4"
	case code >= 300:
		return "status s3"
	}
	return "status s2"
}

func howClass(h introspect.How) string {
	switch h {
	case introspect.NotFound, introspect.Failed:
		return "bad"
	case introspect.LeafStop:
		return "leafstop"
	case introspect.Dynamic:
		return "dynamic"
	}
	return "static"
}

// took formats a duration for people: "1.234 ms", "56 µs".
func took(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d µs", d/time.Microsecond)
}

// logTrace writes t to logger as one record: its message is a block of
// lines (the request; the postpath it starts with; each step with the
// resource reached and how, then the prepath and postpath after it; what
// rendered), and its attributes the request's method, path, status and
// time taken.
func logTrace(logger *slog.Logger, t *introspect.Trace) {
	logger.Info(traceBlock(t), "method", t.Method, "path", t.Path, "status", t.Status, "took", t.Took)
}

// traceBlock is the message logTrace writes.
func traceBlock(t *introspect.Trace) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s in %s", t.Method, t.Path, statusText(t.Status), took(t.Took))
	if t.Initial != nil {
		fmt.Fprintf(&b, "\n   start: prepath [], postpath %s", segments(t.Initial))
	}
	for i, st := range t.Steps {
		fmt.Fprintf(&b, "\n  %2d. %s → %s (%s)", i+1, segment(st.Segment), orNone(st.Reached), st.How)
		if st.Prepath != nil {
			fmt.Fprintf(&b, "; prepath %s, postpath %s", segments(st.Prepath), segments(st.Postpath))
		}
	}
	if t.More > 0 {
		fmt.Fprintf(&b, "\n   … %d more steps", t.More)
	}
	b.WriteString("\n   " + renderLine(t))
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
