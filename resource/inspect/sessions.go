package inspect

import (
	"slices"
	"time"

	"github.com/gotwisted/web/session"
)

// sessionWatch is the inspector's view of a Site's sessions.
type sessionWatch struct {
	m *session.Manager
}

// watchSessions starts watching the sessions of a Site: src is what the
// Site gave (its *session.Manager).
func watchSessions(src any, _ int) *sessionWatch {
	m, _ := src.(*session.Manager)
	if m == nil {
		return nil
	}
	return &sessionWatch{m: m}
}

// liveSession is one row of the sessions view.
type liveSession struct {
	uid      string        // shortened
	created  time.Duration // ago
	last     time.Duration // ago
	left     time.Duration
	timeout  time.Duration
	lifetime time.Duration
}

// live returns the live sessions, the one nearest its end first.
func (sw *sessionWatch) live() []liveSession {
	now := sw.m.Now()
	var out []liveSession
	for s := range sw.m.All() {
		out = append(out, liveSession{
			uid:      shortUID(s.UID()),
			created:  now.Sub(s.Created()),
			last:     now.Sub(s.LastAccess()),
			left:     s.Deadline().Sub(now),
			timeout:  s.Timeout(),
			lifetime: s.Lifetime(),
		})
	}
	slices.SortFunc(out, func(a, b liveSession) int { return int(a.left - b.left) })
	return out
}

// shortUID shows the first 8 characters of a session id: enough to tell
// sessions apart, too few to take one over.
func shortUID(uid string) string {
	if len(uid) > 8 {
		return uid[:8] + "…"
	}
	return uid
}

// maxSessionsShown bounds the rows of the sessions view.
const maxSessionsShown = 200

// sessionsView writes the sessions view.
func (v view) sessionsView(w *writer) {
	if v.sessions == nil {
		w.raw("<p>The sessions are shown once the Site has served a request.</p>\n")
		return
	}
	live := v.sessions.live()
	w.raw("<p class=\"help\">The live sessions of this process, the one nearest its end first. " +
		"A visit with the session's cookie moves its end a whole timeout away. Ids are shortened.</p>\n")
	if len(live) == 0 {
		w.raw("<p>No live session.</p>\n")
	} else {
		w.raw("<table class=\"sessions\"><thead><tr><th>session</th><th>time left</th><th>last access</th>" +
			"<th>made</th><th>timeout</th></tr></thead><tbody>\n")
		for i, s := range live {
			if i == maxSessionsShown {
				w.raw("<tr class=\"cut\"><td colspan=\"5\">")
				w.text(itoa(len(live)-i) + " more sessions: not shown")
				w.raw("</td></tr>\n")
				break
			}
			w.raw("<tr><td><code>")
			w.text(s.uid)
			w.raw("</code></td><td class=\"left\" data-left-ms=\"")
			w.text(itoa(int(s.left.Milliseconds())))
			w.raw("\">")
			w.text(seconds(s.left))
			w.raw("</td><td>")
			w.text(seconds(s.last) + " ago")
			w.raw("</td><td>")
			w.text(seconds(s.created) + " ago")
			w.raw("</td><td>")
			w.text(s.timeout.String())
			if s.lifetime > 0 {
				w.text(", at most " + s.lifetime.String())
			}
			w.raw("</td></tr>\n")
		}
		w.raw("</tbody></table>\n")
	}
}

// seconds shows d in seconds, to a tenth.
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Truncate(100 * time.Millisecond).String()
}
