package session

import (
	"reflect"
	"slices"
	"strings"

	"github.com/gotwisted/web/internal/sessionhook"
)

// What the inspector (resource/inspect) sees of a Manager's sessions,
// through package sessionhook: it adds nothing to this package's API.

// hook is embedded by Manager.
type hook = sessionhook.Hook

// hookStats returns what the inspector shows of a live session.
func hookStats(v any) sessionhook.Stats {
	s := v.(*Session)
	s.mu.Lock()
	defer s.mu.Unlock()
	var st sessionhook.Stats
	if s.ext != nil {
		st.Callbacks = len(s.ext.callbacks)
	}
	st.Components = s.componentNamesLocked()
	return st
}

// componentNamesLocked returns the Go types of s's components, sorted, as
// %T prints them. s.mu must be held.
func (s *Session) componentNamesLocked() []string {
	if s.ext == nil || s.ext.data == nil {
		return nil
	}
	d := s.ext.data
	var names []string
	for _, c := range d.comps {
		// c.k is a key[T]: its type reads "session.key[T]", with the
		// import paths in T.
		name := reflect.TypeOf(c.k).String()
		if i, j := strings.IndexByte(name, '['), strings.LastIndexByte(name, ']'); i >= 0 && j > i {
			name = name[i+1 : j]
		}
		names = append(names, stripImportPaths(name))
	}
	if d.rec != nil {
		for name := range d.rec.data {
			names = append(names, stripImportPaths(name)) // componentName's
		}
	}
	slices.Sort(names)
	return names
}

// stripImportPaths removes the directories of the import paths in the
// name of a type: "map[string]example.com/a/b.T" becomes "map[string]b.T".
func stripImportPaths(name string) string {
	b := make([]byte, 0, len(name))
	word := 0 // where the current run of path characters starts in b
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/':
			b = b[:word]
		case c == '.' || c == '_' || c == '-' || c == '~' ||
			'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80:
			b = append(b, c)
		default:
			b = append(b, c)
			word = len(b)
		}
	}
	return string(b)
}

// ended tells the inspector watching m, if any, that s ended, why, and
// how many callbacks ran. Without an inspector it costs one atomic load.
func (m *Manager) ended(s *Session, why string, ran int) {
	if m == nil || !sessionhook.Watched(&m.hook) {
		return
	}
	m.tell(s.UID(), s, why, ran)
}

// endedDue is ended for a session the scheduler expired: why is its
// timeout or its lifetime.
func (m *Manager) endedDue(s *Session, ran int) {
	if m == nil || !sessionhook.Watched(&m.hook) {
		return
	}
	m.tell(s.UID(), s, s.dueCause(), ran)
}

// tell tells the inspector watching m that the session uid ended; s, if
// not nil, is a view of it whose components are listed.
func (m *Manager) tell(uid string, s *Session, why string, ran int) {
	var comps []string
	if s != nil {
		s.mu.Lock()
		comps = s.componentNamesLocked()
		s.mu.Unlock()
	}
	sessionhook.End(&m.hook, sessionhook.Ending{
		UID:        uid,
		At:         m.Now(),
		Why:        why,
		Callbacks:  ran,
		Components: comps,
	})
}

// dueCause says why the scheduler expired s: its idle timeout, or its
// absolute lifetime when that came first.
func (s *Session) dueCause() string {
	if s.lifetime > 0 && addSat(s.created.Load(), s.lifetime) <= addSat(s.last.Load(), s.timeout) {
		return sessionhook.Lifetime
	}
	return sessionhook.Timeout
}
