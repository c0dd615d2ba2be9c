package proxy_test

import (
	"bufio"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/proxy"
	"github.com/gotwisted/web/site"
)

// FuzzProxyPath sends "/proxy/" and any path through a Site to an
// in-process upstream: either the request gets 400 and nothing reaches
// the upstream, or the upstream gets a path under its prefix none of whose
// segments, decoded, could climb out of it.
func FuzzProxyPath(f *testing.F) {
	for _, seed := range []string{
		"ok.txt", "a/b", "../admin.txt", "%2e%2e/admin.txt", ".%2E/x", "..%2Fadmin.txt", "a%2Fb",
		"..%5Cx", "..%00", "%252e%252e/x", "...", ".hidden", "/x", "x/", "", "%", "%zz", "a?b=..%2F",
		"%2e", "./x", "x/./y", "x/%2E%2e/..", "sp ace", "%c0%ae%c0%ae/x",
	} {
		f.Add(seed)
	}
	var mu sync.Mutex
	var got []string
	u, _ := url.Parse("http://upstream.test/base")
	p := proxy.NewReverseProxy(u)
	p.Proxy.Transport = roundTripper(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		got = append(got, req.URL.EscapedPath())
		mu.Unlock()
		return httptest.NewRecorder().Result(), nil
	})
	root := resource.New()
	root.PutChild("proxy", p)
	s := site.New(root)
	s.Logger = slog.New(slog.DiscardHandler)
	f.Cleanup(func() { s.Close() })

	f.Fuzz(func(t *testing.T, rest string) {
		target := "/proxy/" + rest
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
		if err != nil || req.RequestURI != target {
			return // not a request target net/http would hand to the Site
		}
		mu.Lock()
		got = got[:0]
		mu.Unlock()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		mu.Lock()
		defer mu.Unlock()
		if w.Code == http.StatusBadRequest {
			if len(got) > 0 {
				t.Fatalf("%q: 400, yet the upstream got %q", target, got)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("%q: %d, and the upstream got %q", target, w.Code, got)
		}
		after, ok := strings.CutPrefix(got[0], "/base")
		if !ok || after != "" && after[0] != '/' {
			t.Fatalf("%q was forwarded to %q, outside /base", target, got[0])
		}
		if after == "" {
			return
		}
		for seg := range strings.SplitSeq(after[1:], "/") {
			dec := request.Unquote(seg)
			if dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\\x00") {
				t.Fatalf("%q was forwarded to %q, whose segment %q decodes to %q", target, got[0], seg, dec)
			}
		}
	})
}
