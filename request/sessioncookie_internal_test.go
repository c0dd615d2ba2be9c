package request

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestSessionSetCookie: the preformatted session cookie lines are what
// http.SetCookie makes of the template.
func TestSessionSetCookie(t *testing.T) {
	uid := uuid.NewString()
	templates := []http.Cookie{
		{Name: "TWISTED_SESSION", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: "sid"},
		{Name: "sid", Quoted: true, Path: "/a b", Domain: ".example.com", MaxAge: 60, Partitioned: true, Secure: true},
		{Name: "sid", Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), SameSite: http.SameSiteDefaultMode},
		{Name: "bad name"},
		{Name: ""},
	}
	for _, tmpl := range templates {
		for _, value := range []string{uid, "", "a b", `x"y`, "é"} {
			cfg := &Config{SessionCookie: tmpl, SecureSessionCookieName: "TWISTED_SECURE_SESSION"}
			for _, secure := range []bool{false, true} {
				c := cfg.sessionCookieTemplate(secure)
				if value == "" {
					c.MaxAge = -1
				} else {
					c.Value = value
				}
				want := c.String()
				if got := cfg.sessionCookie(secure).line(value); got != want {
					t.Errorf("%+v, secure %v, %q: %q, want %q", tmpl, secure, value, got, want)
				}
				if got := cfg.sessionCookie(secure).name; got != c.Name {
					t.Errorf("%+v, secure %v: name %q, want %q", tmpl, secure, got, c.Name)
				}
			}
		}
	}
}
