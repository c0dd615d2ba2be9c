package inspect

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gotwisted/web/internal/sessionhook"
	"github.com/gotwisted/web/session"
)

// sessionWatch is the inspector's view of a Site's sessions: the live ones,
// read from the Manager when shown, and the latest endings, which the
// Manager tells it of as they happen.
type sessionWatch struct {
	m    *session.Manager
	hook *sessionhook.Hook

	mu      sync.Mutex
	endings []ending // a ring, oldest overwritten
	next    int      // where the next ending goes
	max     int
}

// ending is one row of the recent endings.
type ending struct {
	uid        string // shortened
	at         time.Time
	why        string
	callbacks  int
	components []string
}

// watchSessions starts watching the sessions of a Site: src is what the
// Site gave (its *session.Manager); max bounds the endings kept.
func watchSessions(src any, max int) *sessionWatch {
	m, _ := src.(*session.Manager)
	if m == nil {
		return nil
	}
	sw := &sessionWatch{m: m, hook: sessionhook.Of(m), max: max}
	if sw.hook != nil {
		sessionhook.Watch(sw.hook, sw.ended)
	}
	return sw
}

// ended keeps e among the recent endings. It runs in the goroutine that
// ended the session.
func (sw *sessionWatch) ended(e sessionhook.Ending) {
	row := ending{uid: shortUID(e.UID), at: e.At, why: e.Why, callbacks: e.Callbacks, components: e.Components}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if len(sw.endings) < sw.max {
		sw.endings = append(sw.endings, row)
	} else {
		sw.endings[sw.next%sw.max] = row
	}
	sw.next++
}

// recentEndings returns the endings kept, newest first.
func (sw *sessionWatch) recentEndings() []ending {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	n := len(sw.endings)
	out := make([]ending, 0, n)
	for i := range n {
		out = append(out, sw.endings[(sw.next-1-i+n*2)%n])
	}
	return out
}

// liveSession is one row of the live sessions.
type liveSession struct {
	uid        string        // shortened
	created    time.Duration // ago
	last       time.Duration // ago
	left       time.Duration
	timeout    time.Duration
	lifetime   time.Duration
	callbacks  int
	components []string
}

// live returns the live sessions, the one nearest its end first, and the
// time on the Manager's clock; or, beyond maxSessionsListed, none and how
// many there are.
func (sw *sessionWatch) live() (_ []liveSession, now time.Time, tooMany int) {
	now = sw.m.Now()
	if n := sw.m.Len(); n > maxSessionsListed {
		return nil, now, n
	}
	var out []liveSession
	for s := range sw.m.All() {
		row := liveSession{
			uid:      shortUID(s.UID()),
			created:  now.Sub(s.Created()),
			last:     now.Sub(s.LastAccess()),
			left:     s.Deadline().Sub(now),
			timeout:  s.Timeout(),
			lifetime: s.Lifetime(),
		}
		if sw.hook != nil {
			st := sessionhook.StatsOf(sw.hook, s)
			row.callbacks, row.components = st.Callbacks, st.Components
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b liveSession) int { return int(a.left - b.left) })
	return out, now, 0
}

// shortUID shows the first 8 characters of a session id: enough to tell
// sessions apart, too few to take one over.
func shortUID(uid string) string {
	if len(uid) > 8 {
		return uid[:8] + "…"
	}
	return uid
}

// Bounds of the sessions view: beyond maxSessionsListed live sessions it
// shows how many there are, not which (reading them all, every second,
// would cost a busy Site); of fewer, it shows the maxSessionsShown nearest
// their end.
const (
	maxSessionsListed = 10000
	maxSessionsShown  = 200
)

// sessionsView writes the sessions view.
func (v view) sessionsView(w *writer) {
	if v.sessions == nil {
		w.raw("<p>The sessions are shown once the Site has served a request.</p>\n")
		return
	}
	live, now, tooMany := v.sessions.live()
	w.raw("<p class=\"help\">The live sessions of this process, the one nearest its end first. " +
		"A visit that uses a session moves its end a whole timeout away. Ids are shortened.</p>\n")
	switch {
	case tooMany > 0:
		w.raw("<p>")
		w.text(itoa(tooMany) + " live sessions: too many to list.")
		w.raw("</p>\n")
	case len(live) == 0:
		w.raw("<p>No live session.</p>\n")
	default:
		w.raw("<table class=\"sessions\"><thead><tr><th>session</th><th>time left</th><th>last used</th>" +
			"<th>made</th><th>timeout</th><th>components</th><th>callbacks waiting</th></tr></thead><tbody>\n")
		for i, s := range live {
			if i == maxSessionsShown {
				w.raw("<tr class=\"cut\"><td colspan=\"7\">")
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
			w.raw("</td><td>")
			w.text(strings.Join(s.components, " "))
			w.raw("</td><td>")
			w.text(itoa(s.callbacks))
			w.raw("</td></tr>\n")
		}
		w.raw("</tbody></table>\n")
	}
	ends := v.sessions.recentEndings()
	w.raw("<h3>Recent endings</h3>\n")
	if len(ends) == 0 {
		w.raw("<p>No session has ended yet.</p>\n")
		return
	}
	w.raw("<table class=\"endings\"><thead><tr><th>session</th><th>ended</th><th>why</th>" +
		"<th>components</th><th>callbacks run</th></tr></thead><tbody>\n")
	for _, e := range ends {
		w.raw("<tr class=\"ending\"><td><code>")
		w.text(e.uid)
		w.raw("</code></td><td>")
		w.text(seconds(now.Sub(e.at)) + " ago")
		w.raw("</td><td>")
		w.text(e.why)
		w.raw("</td><td>")
		w.text(strings.Join(e.components, " "))
		w.raw("</td><td>")
		w.text(itoa(e.callbacks))
		w.raw("</td></tr>\n")
	}
	w.raw("</tbody></table>\n")
}

// seconds shows d in seconds, to a tenth.
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Truncate(100 * time.Millisecond).String()
}
