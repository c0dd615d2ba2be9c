package router_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/router"
)

// A router mounted as the root's "" child sees every path that begins
// with "//". Its trailing-slash redirect once answered GET //evil.com/
// with Location: //evil.com, which a browser reads as another host.
func TestRedirectStaysOnHost(t *testing.T) {
	tests := []struct{ pattern, target, location string }{
		{"/:name", "//evil.com/", "/.//evil.com"},
		{"/:name", "//evil.com/?next=1", "/.//evil.com?next=1"},
		{"/:name/", "//evil.com", "/.//evil.com/"},
		{"/:name/", "//evil.com?next=1", "/.//evil.com/?next=1"},
		{"/:name/", "//%5Cevil.com", "/.//%5Cevil.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.target, func(t *testing.T) {
			rt := router.New()
			rt.GET(tt.pattern, show)
			root := resource.New()
			root.PutChild("", rt)
			loc := redirectFor(t, root, tt.target)
			if loc.String() != tt.location {
				t.Errorf("Location = %q, want %q", loc, tt.location)
			}
		})
	}
}

// redirectFor serves root and returns where GET target is redirected,
// failing unless that stays on the server's host: the Location must not
// begin with "//" or "/\", which browsers read as another host's URL.
func redirectFor(t *testing.T, root resource.Resource, target string) *url.URL {
	t.Helper()
	_, srv := testutil.Serve(t, root, testutil.Quiet)
	resp, _ := testutil.Send(t, testutil.NoRedirects(srv.Client()), testutil.NewRequest(t, "GET", srv.URL+target, nil))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusMovedPermanently || loc == "" {
		t.Fatalf("GET %s: %d, Location %q; want a redirect", target, resp.StatusCode, loc)
	}
	if strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) {
		t.Errorf("Location %q is another host's URL", loc)
	}
	base, _ := url.Parse(srv.URL + target)
	l, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	if to := base.ResolveReference(l); to.Host != base.Host {
		t.Errorf("Location %q leads to %s", loc, to)
	}
	return l
}
