// Package guard protects a resource tree with HTTP authentication, as
// Twisted's twisted.web.guard does: Basic (RFC 7617) and Digest (RFC 7616)
// schemes, a [Checker] of usernames and passwords, and a [Realm] that gives
// each authenticated user the tree they may see (their "avatar").
//
//	checker := guard.Passwords{"alice": "wonderland"}
//	realm := guard.RealmFunc(func(user string, r *request.Request) (resource.Resource, error) {
//		return trees[user], nil // each user sees their own tree
//	})
//	root.PutChild("private", guard.New(realm, checker,
//		guard.Basic("example.org"), guard.NewDigest("example.org", nil)))
//
// A [Guard] consumes no path segment: authenticated, the request continues
// into the avatar's tree as if the avatar stood where the guard stands, so
// /private/a/b reaches the avatar's child "a", then "b". A request whose
// credentials are missing, of a scheme the guard does not offer, or wrong
// gets 401 Unauthorized with one WWW-Authenticate challenge per scheme and
// the body "Unauthorized" (none for HEAD). A Checker or Realm that fails
// gives the failure page.
//
// A Guard never touches the session: an avatar that keeps a session should
// call Request.RenewSession at login to avoid session fixation.
package guard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gotwisted/web/internal/introspect"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Errors a Scheme returns for credentials that do not authenticate. Any
// error that wraps ErrUnauthorized gives 401; any other error from a Scheme
// or Checker gives the failure page.
var (
	// ErrUnauthorized: the credentials are malformed, unknown or wrong.
	ErrUnauthorized = errors.New("guard: unauthorized")
	// ErrStale: a Digest response used an expired nonce; the client may
	// retry with the fresh one of the new challenge (stale=true).
	ErrStale error = &staleError{}
)

type staleError struct{}

func (*staleError) Error() string        { return "guard: stale nonce" }
func (*staleError) Is(target error) bool { return target == ErrUnauthorized }

// Realm maps an authenticated user to the resource tree they may see
// (Twisted's IRealm.requestAvatar). It must be safe for concurrent use.
type Realm interface {
	// Avatar returns the root of user's tree. user is "" for an anonymous
	// visitor when the Guard allows them. A nil resource with a nil error
	// refuses the user (401); an error gives the failure page.
	Avatar(user string, r *request.Request) (resource.Resource, error)
}

// RealmFunc adapts a function to the Realm interface.
type RealmFunc func(user string, r *request.Request) (resource.Resource, error)

// Avatar calls f(user, r).
func (f RealmFunc) Avatar(user string, r *request.Request) (resource.Resource, error) {
	return f(user, r)
}

// Scheme is an HTTP authentication scheme (Twisted's credential factory).
// Basic and NewDigest make the standard ones; an application may add its
// own. A Scheme must be safe for concurrent use.
type Scheme interface {
	// Name returns the scheme's name as it appears in an Authorization
	// header, such as "Basic"; it is matched without regard to case.
	Name() string
	// Challenges returns the values of the WWW-Authenticate headers of a
	// 401 response; err is why the request was refused (nil when it had
	// no credentials), so that Digest can mark a stale nonce.
	Challenges(r *request.Request, err error) []string
	// Authenticate checks the credentials that follow the scheme's name in
	// an Authorization header, and returns the user they authenticate. An
	// error wrapping ErrUnauthorized refuses the request with 401, and so
	// does the user "", which names the anonymous visitor.
	Authenticate(credentials string, r *request.Request, c Checker) (user string, err error)
}

// Guard is a resource that authenticates each request before letting it
// into the tree of the user's avatar. Make one with New; set its fields
// before serving. It is safe for concurrent use.
type Guard struct {
	// Anonymous lets a request without an Authorization header in, as the
	// user "" (Twisted's anonymous login, when the portal allows it).
	// Credentials that are present must still be right.
	Anonymous bool

	realm   Realm
	checker Checker
	schemes []Scheme
	node    // what the inspector sees
}

// node lets the inspector (resource/inspect) show what guards the
// subtree, through package introspect; it adds nothing to Guard's API.
type node = introspect.Node

var (
	_ resource.Resource    = (*Guard)(nil)
	_ resource.ChildGetter = (*Guard)(nil)
	_ resource.Renderer    = (*Guard)(nil)
)

// New returns a Guard that authenticates with the given schemes, offered
// to clients in that order, checks passwords with checker, and asks realm
// for each user's tree. It panics if realm or checker is nil, if no scheme
// is given, or if a Digest scheme is given a checker that is not a
// PasswordSource.
func New(realm Realm, checker Checker, schemes ...Scheme) *Guard {
	switch {
	case realm == nil:
		panic("guard: New with a nil Realm")
	case checker == nil:
		panic("guard: New with a nil Checker")
	case len(schemes) == 0:
		panic("guard: New without a Scheme")
	}
	for _, s := range schemes {
		if _, ok := s.(*Digest); ok {
			if _, ok := checker.(PasswordSource); !ok {
				panic("guard: Digest needs a Checker that is a PasswordSource")
			}
		}
	}
	g := &Guard{realm: realm, checker: checker, schemes: schemes}
	introspect.SetDescribe(&g.node, g.describe)
	return g
}

// describe tells the inspector the schemes and the realm; the avatars'
// trees are not shown, since only credentials lead into them.
func (g *Guard) describe(info *introspect.Info) {
	info.Kind = "guard"
	for _, s := range g.schemes {
		info.Notes = append(info.Notes, "scheme "+schemeName(s))
	}
	info.Notes = append(info.Notes, "realm "+introspect.TypeName(g.realm)+": its trees are reached with credentials only, not shown")
	if g.Anonymous {
		info.Notes = append(info.Notes, "visitors without credentials come in as the user \"\"")
	}
}

// schemeName names s for the inspector without calling a user's code: the
// framework's schemes by name and realm, any other by its Go type.
func schemeName(s Scheme) string {
	switch s := s.(type) {
	case *basic:
		return s.challenge[0]
	case *Digest:
		return "Digest realm=" + quote(s.realm) + ", algorithms " + strings.Join(s.Algorithms, " ")
	}
	return introspect.TypeName(s)
}

// IsLeaf returns false: traversal continues into the avatar.
func (g *Guard) IsLeaf() bool { return false }

// ChildWithDefault returns nil, so that traversal asks GetChild, which
// authenticates.
func (g *Guard) ChildWithDefault(string, *request.Request) resource.Resource { return nil }

// PutChild panics: a Guard's children are its avatars'.
func (g *Guard) PutChild(name string, _ resource.Resource) {
	panic("guard: PutChild(" + name + ") on a Guard; put children in the avatar's tree")
}

// GetChild authenticates the request. On success it gives the segment back
// to the postpath and returns the avatar, so that traversal goes on from
// the avatar with the same segment; otherwise it returns the 401 resource.
func (g *Guard) GetChild(_ string, r *request.Request) (resource.Resource, error) {
	avatar, err := g.authorize(r)
	if err != nil || avatar == nil {
		return nil, err
	}
	if _, ok := avatar.(*unauthorized); !ok {
		r.Unconsume()
	}
	return avatar, nil
}

// Render authenticates a request that ends at the guard and renders the
// avatar for it (or the 401 page).
func (g *Guard) Render(r *request.Request) ([]byte, error) {
	avatar, err := g.authorize(r)
	if err != nil {
		return nil, err
	}
	return resource.Render(avatar, r)
}

// authorize returns the avatar for the request's credentials, or the 401
// resource, or the error of a failing Checker or Realm.
func (g *Guard) authorize(r *request.Request) (resource.Resource, error) {
	header := r.Header("Authorization")
	if header == "" {
		if !g.Anonymous {
			return g.refuse(nil), nil
		}
		return g.avatar("", r)
	}
	name, creds, _ := strings.Cut(header, " ")
	for _, s := range g.schemes {
		if !strings.EqualFold(name, s.Name()) {
			continue
		}
		user, err := s.Authenticate(strings.TrimSpace(creds), r, g.checker)
		if err == nil && user == "" {
			// "" names the anonymous visitor to the Realm: no credentials
			// may claim it (Basic's user-id may be empty, and a Checker
			// may accept that, as an LDAP anonymous bind does).
			err = errEmptyUser
		}
		if errors.Is(err, ErrUnauthorized) {
			r.Logger().Debug("authentication failed", "uri", r.URI(), "scheme", s.Name(), "err", err)
			return g.refuse(err), nil
		}
		if err != nil {
			return nil, err
		}
		return g.avatar(user, r)
	}
	return g.refuse(ErrUnauthorized), nil
}

var errEmptyUser = fmt.Errorf("%w: credentials for the empty user name", ErrUnauthorized)

func (g *Guard) avatar(user string, r *request.Request) (resource.Resource, error) {
	res, err := g.realm.Avatar(user, r)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return g.refuse(ErrUnauthorized), nil
	}
	return res, nil
}

func (g *Guard) refuse(err error) resource.Resource {
	return &unauthorized{g: g, err: err}
}

// unauthorized is the 401 resource (Twisted's UnauthorizedResource): it
// answers every method, at its path and below.
type unauthorized struct {
	resource.Leaf
	g   *Guard
	err error
}

var bodyUnauthorized = []byte("Unauthorized")

func (u *unauthorized) Render(r *request.Request) ([]byte, error) {
	h := r.ResponseHeader()
	for _, s := range u.g.schemes {
		for _, c := range s.Challenges(r, u.err) {
			h.Add("WWW-Authenticate", c)
		}
	}
	r.SetResponseCode(http.StatusUnauthorized)
	if r.Method() == http.MethodHead {
		return []byte{}, nil
	}
	return bodyUnauthorized, nil
}
