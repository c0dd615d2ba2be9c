package gzip_test

import (
	stdgzip "compress/gzip"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/gzip"
	"github.com/gotwisted/web/resource/handler"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

// data is a page with a fixed body and optional extra headers.
type data struct {
	resource.Base
	body   string
	header map[string]string
}

func (d *data) RenderGET(r *request.Request) ([]byte, error) {
	for k, v := range d.header {
		r.SetHeader(k, v)
	}
	r.SetHeader("Content-Length", strconv.Itoa(len(d.body)))
	return []byte(d.body), nil
}

type async struct{ resource.Leaf }

func (async) RenderGET(r *request.Request) ([]byte, error) {
	r.Write([]byte("streamed"))
	r.Finish()
	return nil, resource.NotDoneYet
}

var page = strings.Repeat("Hello, gzip! ", 100)

// large compresses to some 32 KiB, more than net/http buffers before it
// sends the headers: its Content-Length is the Request's, not net/http's.
var large = func() string {
	rnd := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 32<<10)
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	return hex.EncodeToString(b)
}()

// newServer serves the test tree over HTTP/1.1, or with serve (such as
// testutil.ServeHTTP2) if given.
func newServer(t *testing.T, serve ...func(testing.TB, resource.Resource, ...func(*site.Site)) (*site.Site, *httptest.Server)) *httptest.Server {
	t.Helper()
	plain := &data{body: page}
	plain.PutChild("child", &data{body: "child " + page})
	root := resource.New()
	root.PutChild("page", gzip.Wrap(plain))
	root.PutChild("encoded", gzip.Wrap(&data{body: "already", header: map[string]string{"Content-Encoding": "deflate"}}))
	root.PutChild("vary", gzip.Wrap(&data{body: page, header: map[string]string{"Vary": "Cookie"}}))
	root.PutChild("empty", gzip.Wrap(&data{}))
	root.PutChild("large", gzip.Wrap(&data{body: large}))
	root.PutChild("async", gzip.Wrap(async{}))
	best := gzip.Wrap(&data{body: page})
	best.Level = stdgzip.BestCompression
	root.PutChild("best", best)
	if len(serve) > 0 {
		_, srv := serve[0](t, root)
		return srv
	}
	_, srv := testutil.Serve(t, root)
	return srv
}

// identityClient returns a client that neither asks for gzip by itself nor
// decodes it; for srv, if given, as srv's own client (over TLS, HTTP/2).
func identityClient(t *testing.T, srv ...*httptest.Server) *http.Client {
	tr := &http.Transport{}
	if len(srv) > 0 {
		tr = srv[0].Client().Transport.(*http.Transport).Clone()
	}
	tr.DisableCompression = true
	c := &http.Client{Transport: tr}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// TestCompression runs over HTTP/1.1 and HTTP/2: the compressed body ends
// with what closing the compressor writes, once the response finished.
func TestCompression(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) { testCompression(t, h2) })
	}
}

func testCompression(t *testing.T, h2 bool) {
	srv := newServer(t)
	if h2 {
		srv = newServer(t, testutil.ServeHTTP2)
	}
	client := identityClient(t, srv)
	tests := []struct {
		name, method, target string
		accept               []string
		gzipped              bool
		body                 string
		vary                 string
		encoding             string
	}{
		{"accepted", "GET", "/page", []string{"gzip"}, true, page, "Accept-Encoding", "gzip"},
		{"list", "GET", "/page", []string{"deflate, gzip;q=0.5"}, true, page, "Accept-Encoding", "gzip"},
		{"second line", "GET", "/page", []string{"br", "GZIP"}, true, page, "Accept-Encoding", "gzip"},
		{"x-gzip", "GET", "/page", []string{"x-gzip"}, true, page, "Accept-Encoding", "gzip"},
		{"star", "GET", "/page", []string{"*"}, true, page, "Accept-Encoding", "gzip"},
		{"level", "GET", "/best", []string{"gzip"}, true, page, "Accept-Encoding", "gzip"},
		{"none", "GET", "/page", nil, false, page, "Accept-Encoding", ""},
		{"other", "GET", "/page", []string{"br, deflate"}, false, page, "Accept-Encoding", ""},
		{"q=0", "GET", "/page", []string{"gzip;q=0, deflate"}, false, page, "Accept-Encoding", ""},
		{"q=0.000", "GET", "/page", []string{"gzip; q=0.000"}, false, page, "Accept-Encoding", ""},
		{"star but not gzip", "GET", "/page", []string{"*, gzip;q=0"}, false, page, "Accept-Encoding", ""},
		{"gzipper", "GET", "/page", []string{"gzipper"}, false, page, "Accept-Encoding", ""},
		{"children are not wrapped", "GET", "/page/child", []string{"gzip"}, false, "child " + page, "", ""},
		{"already encoded", "GET", "/encoded", []string{"gzip"}, false, "already", "Accept-Encoding", "deflate"},
		{"vary kept", "GET", "/vary", []string{"gzip"}, true, page, "Cookie, Accept-Encoding", "gzip"},
		{"empty", "GET", "/empty", []string{"gzip"}, false, "", "Accept-Encoding", ""},
		{"large", "GET", "/large", []string{"gzip"}, true, large, "Accept-Encoding", "gzip"},
		{"async compressed too", "GET", "/async", []string{"gzip"}, true, "streamed", "Accept-Encoding", "gzip"},
		{"405 page", "POST", "/page", []string{"gzip"}, true, "Method Not Allowed", "Accept-Encoding", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := testutil.NewRequest(t, tt.method, srv.URL+tt.target, nil)
			for _, a := range tt.accept {
				req.Header.Add("Accept-Encoding", a)
			}
			resp, raw := testutil.Send(t, client, req)
			if want := map[bool]int{false: 1, true: 2}[h2]; resp.ProtoMajor != want {
				t.Fatalf("served over %s", resp.Proto)
			}
			if tt.target != "/async" && resp.ContentLength != int64(len(raw)) {
				t.Errorf("Content-Length = %d for %d bytes", resp.ContentLength, len(raw))
			}
			body := raw
			if tt.gzipped {
				body = gunzip(t, raw)
				if tt.target != "/async" && len(raw) >= len(body) { // "streamed" is too short to shrink
					t.Errorf("compressed %d bytes to %d", len(body), len(raw))
				}
			}
			if !strings.Contains(body, tt.body) || tt.body == "" && body != "" {
				t.Errorf("body = %.80q, want %.80q", body, tt.body)
			}
			if got := strings.Join(resp.Header.Values("Vary"), ", "); got != tt.vary {
				t.Errorf("Vary = %q, want %q", got, tt.vary)
			}
			if got := strings.Join(resp.Header.Values("Content-Encoding"), ","); got != tt.encoding {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.encoding)
			}
		})
	}
}

func TestHeadMatchesGet(t *testing.T) {
	srv := newServer(t)
	client := identityClient(t)
	lengths := map[string]int64{}
	for _, m := range []string{"GET", "HEAD"} {
		resp, _ := testutil.Send(t, client, testutil.NewRequest(t, m, srv.URL+"/page", nil, "Accept-Encoding", "gzip"))
		lengths[m] = resp.ContentLength
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding = %q", m, resp.Header.Get("Content-Encoding"))
		}
	}
	if lengths["HEAD"] > 0 {
		t.Errorf("HEAD: Content-Length %d for a body whose compressed length is not known", lengths["HEAD"])
	}
}

func TestAccepts(t *testing.T) {
	tests := []struct {
		in   []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{" GZip ; Q=1.0 "}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"*;q=0"}, false},
		{[]string{"identity;q=0, *"}, true},
		{[]string{"deflate", "gzip;level=1"}, true},
		{[]string{"x-gzip;q=0.1"}, true},
	}
	for _, tt := range tests {
		h := http.Header{"Accept-Encoding": tt.in}
		if got := gzip.Accepts(h); got != tt.want {
			t.Errorf("Accepts(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A static.File answers through http.ServeContent; the wrapper compresses
// it all the same (its ranges: TestRangeWhenCompressing).
func TestStaticFileCompressed(t *testing.T) {
	dir := t.TempDir()
	text := strings.Repeat("gotwisted compresses files too. ", 200)
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := static.NewFile(filepath.Join(dir, "big.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	root := resource.New()
	root.PutChild("big.txt", gzip.Wrap(file)) // children are not wrapped: wrap the file
	_, srv := testutil.Serve(t, root)
	client := identityClient(t)

	req := testutil.NewRequest(t, "GET", srv.URL+"/big.txt", nil, "Accept-Encoding", "gzip")
	resp, raw := testutil.Send(t, client, req)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(raw) >= len(text) {
		t.Fatalf("file not compressed: %v, %d bytes", resp.Header, len(raw))
	}
	if b := gunzip(t, raw); b != text {
		t.Errorf("decompressed file differs (%d bytes)", len(b))
	}
}

// rangeText is the body the resources of TestRangeWhenCompressing serve,
// modified at rangeTime.
var (
	rangeText = strings.Repeat("a range of a compressed body is not a range of the file. ", 400)
	rangeTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
)

// serveRanges serves rangeText through http.ServeContent, which honours
// Range and If-Range, from a mounted handler.
var serveRanges = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.ServeContent(w, r, "range.txt", rangeTime, strings.NewReader(rangeText))
})

// asyncRanges serves rangeText through http.ServeContent after its render
// method returned NotDoneYet.
type asyncRanges struct{ resource.Leaf }

func (asyncRanges) RenderGET(r *request.Request) ([]byte, error) {
	go func() {
		serveRanges(r.ResponseWriter(), r.HTTPRequest())
		r.Finish()
	}()
	return nil, resource.NotDoneYet
}

func (a asyncRanges) RenderHEAD(r *request.Request) ([]byte, error) { return a.RenderGET(r) }

// The compressed body is not the file: a byte range of one is not a byte
// range of the other. A client that accepts gzip is sent the whole
// compressed body whatever Range it asks for, and is not told that ranges
// are served, so that a client resuming a compressed download (with
// If-Range: the Last-Modified it was given, or none) cannot be sent
// identity bytes to splice onto compressed ones. A client that does not
// accept gzip (a browser's media and download requests send
// Accept-Encoding: identity) keeps its ranges, and conditional requests
// other than If-Range keep working.
func TestRangeWhenCompressing(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "range.txt")
	if err := os.WriteFile(name, []byte(rangeText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, rangeTime, rangeTime); err != nil {
		t.Fatal(err)
	}
	file, err := static.NewFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	root := resource.New()
	root.PutChild("file", gzip.Wrap(file))
	root.PutChild("handler", gzip.Wrap(handler.New(serveRanges)))
	root.PutChild("async", gzip.Wrap(asyncRanges{}))
	var zipped strings.Builder
	zw := stdgzip.NewWriter(&zipped)
	io.WriteString(zw, rangeText)
	zw.Close()
	if err := os.WriteFile(name+".gz", []byte(zipped.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	encoded, err := static.NewFile(name + ".gz") // served as it is, with Content-Encoding: gzip
	if err != nil {
		t.Fatal(err)
	}
	defer encoded.Close()
	root.PutChild("encoded", gzip.Wrap(encoded))
	_, srv := testutil.Serve(t, root)
	client := identityClient(t)
	lastModified := rangeTime.Format(http.TimeFormat)

	tests := []struct {
		name, method string
		header       []string
		code         int
		encoding     string
		ranges       string // Accept-Ranges
		body         string // decoded
	}{
		{"compressed", "GET", []string{"Accept-Encoding", "gzip"}, 200, "gzip", "", rangeText},
		{"compressed HEAD", "HEAD", []string{"Accept-Encoding", "gzip"}, 200, "gzip", "", ""},
		{"range ignored", "GET", []string{"Accept-Encoding", "gzip", "Range", "bytes=0-9"}, 200, "gzip", "", rangeText},
		{"resume by date ignored", "GET", []string{"Accept-Encoding", "gzip", "Range", "bytes=100-",
			"If-Range", lastModified}, 200, "gzip", "", rangeText},
		{"not modified", "GET", []string{"Accept-Encoding", "gzip", "If-Modified-Since", lastModified}, 304, "", "", ""},
		{"not modified, range", "GET", []string{"Accept-Encoding", "gzip", "If-Modified-Since", lastModified,
			"Range", "bytes=0-9"}, 304, "", "", ""},
		{"identity", "GET", nil, 200, "", "bytes", rangeText},
		{"identity range", "GET", []string{"Range", "bytes=10-19"}, 206, "", "bytes", rangeText[10:20]},
		{"browser media range", "GET", []string{"Accept-Encoding", "identity", "Range", "bytes=100-",
			"If-Range", lastModified}, 206, "", "bytes", rangeText[100:]},
		{"gzip refused, range", "GET", []string{"Accept-Encoding", "gzip;q=0", "Range", "bytes=10-19"}, 206, "", "bytes", rangeText[10:20]},
	}
	for _, target := range []string{"/file", "/handler", "/async"} {
		for _, tt := range tests {
			t.Run(target[1:]+"/"+tt.name, func(t *testing.T) {
				resp, raw := testutil.Send(t, client, testutil.NewRequest(t, tt.method, srv.URL+target, nil, tt.header...))
				body := raw
				if tt.encoding == "gzip" && tt.method == "GET" {
					body = gunzip(t, raw)
				}
				if resp.StatusCode != tt.code || resp.Header.Get("Content-Encoding") != tt.encoding ||
					resp.Header.Get("Accept-Ranges") != tt.ranges || body != tt.body {
					t.Errorf("%d Content-Encoding %q Accept-Ranges %q body %.40q (%d bytes); want %d %q %q %.40q (%d bytes)",
						resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Ranges"), body, len(body),
						tt.code, tt.encoding, tt.ranges, tt.body, len(tt.body))
				}
				if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
					t.Errorf("Vary %q", got)
				}
			})
		}

		// A client resumes a compressed download as curl -C does, with
		// or without If-Range: spliced, the parts must make the body.
		for _, ifRange := range []string{"", lastModified} {
			t.Run(target[1:]+"/resume, If-Range "+ifRange, func(t *testing.T) {
				resp, full := testutil.Send(t, client, testutil.NewRequest(t, "GET", srv.URL+target, nil, "Accept-Encoding", "gzip"))
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatal("not compressed")
				}
				const n = 20
				h := []string{"Accept-Encoding", "gzip", "Range", "bytes=" + strconv.Itoa(n) + "-"}
				if ifRange != "" {
					h = append(h, "If-Range", ifRange)
				}
				resp, rest := testutil.Send(t, client, testutil.NewRequest(t, "GET", srv.URL+target, nil, h...))
				got := rest
				if resp.StatusCode == http.StatusPartialContent {
					got = full[:n] + rest
				}
				if b := gunzip(t, got); b != rangeText {
					t.Errorf("resumed download differs: %d, %d bytes", resp.StatusCode, len(b))
				}
			})
		}
	}

	// The price of the rule: a body the wrapper does not compress, as it
	// is already encoded, is not served in ranges to a client that
	// accepts gzip either; it is to one that does not.
	for _, accept := range []string{"gzip", "identity"} {
		resp, raw := testutil.Send(t, client, testutil.NewRequest(t, "GET", srv.URL+"/encoded", nil,
			"Accept-Encoding", accept, "Range", "bytes=10-19"))
		code, ranges, body := 200, "", zipped.String()
		if accept == "identity" {
			code, ranges, body = 206, "bytes", body[10:20]
		}
		if resp.StatusCode != code || resp.Header.Get("Content-Encoding") != "gzip" ||
			resp.Header.Get("Accept-Ranges") != ranges || raw != body {
			t.Errorf("already encoded, Accept-Encoding %s: %d Content-Encoding %q Accept-Ranges %q, %d bytes; want %d %q, %d bytes",
				accept, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Ranges"), len(raw),
				code, ranges, len(body))
		}
	}
}

// gunzip decompresses a gzip body.
func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := stdgzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tagged sets the ETag given in its query (SetETag's If-None-Match check
// included) and serves page through http.ServeContent, which honours Range
// and If-Range.
type tagged struct{ resource.Leaf }

func (tagged) RenderGET(r *request.Request) ([]byte, error) {
	if r.SetETag(r.Arg("etag")) {
		return nil, nil
	}
	http.ServeContent(r.ResponseWriter(), r.HTTPRequest(), "page.txt", time.Time{}, strings.NewReader(page))
	return nil, nil
}

// A compressed body is another representation than the identity one, so
// it may not share its strong entity tag (RFC 9110 §8.8.3): the wrapper
// makes the tag weak, which still matches If-None-Match (a weak
// comparison) but no longer If-Range, so that a client resuming a
// compressed download cannot get identity bytes to splice onto it.
func TestETagWeakenedWhenCompressed(t *testing.T) {
	root := resource.New()
	root.PutChild("tagged", gzip.Wrap(tagged{}))
	_, srv := testutil.Serve(t, root)
	client := identityClient(t)
	tests := []struct {
		name, etag, accept string
		header             []string
		code               int
		want               string // ETag
		encoding           string
	}{
		{"compressed", `"v1"`, "gzip", nil, 200, `W/"v1"`, "gzip"},
		{"identity", `"v1"`, "", nil, 200, `"v1"`, ""},
		{"already weak", `W/"v1"`, "gzip", nil, 200, `W/"v1"`, "gzip"},
		{"not modified", `"v1"`, "gzip", []string{"If-None-Match", `W/"v1"`}, 304, `W/"v1"`, ""},
		{"not modified identity", `"v1"`, "", []string{"If-None-Match", `"v1"`}, 304, `"v1"`, ""},
		{"range, identity", `"v1"`, "", []string{"Range", "bytes=0-4", "If-Range", `"v1"`}, 206, `"v1"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if tt.accept != "" {
				h = append([]string{"Accept-Encoding", tt.accept}, h...)
			}
			req := testutil.NewRequest(t, "GET", srv.URL+"/tagged?etag="+url.QueryEscape(tt.etag), nil, h...)
			resp, _ := testutil.Send(t, client, req)
			if resp.StatusCode != tt.code || resp.Header.Get("ETag") != tt.want || resp.Header.Get("Content-Encoding") != tt.encoding {
				t.Errorf("%d ETag %q Content-Encoding %q; want %d %q %q", resp.StatusCode, resp.Header.Get("ETag"),
					resp.Header.Get("Content-Encoding"), tt.code, tt.want, tt.encoding)
			}
		})
	}

	// A client resumes a compressed download with the tag it was given:
	// it must get the whole compressed body again, not identity bytes.
	target := srv.URL + "/tagged?etag=" + url.QueryEscape(`"v1"`)
	resp, _ := testutil.Send(t, client, testutil.NewRequest(t, "GET", target, nil, "Accept-Encoding", "gzip"))
	req := testutil.NewRequest(t, "GET", target, nil, "Accept-Encoding", "gzip",
		"Range", "bytes=10-", "If-Range", resp.Header.Get("ETag"))
	resp, raw := testutil.Send(t, client, req)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, raw) != page {
		t.Errorf("resuming with If-Range %q: %d Content-Encoding %q, want the whole body compressed",
			req.Header.Get("If-Range"), resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

// A mounted http.Handler that sets no Content-Type relies on net/http to
// sniff one from the body; net/http does not sniff a body that has a
// Content-Encoding, so the Request sniffs the handler's first Write before
// it is compressed. Wrapped or not, the handler's page has the same type;
// unless the handler calls WriteHeader first, which sends the headers
// before any of the body is seen: compressed, that page has no type (the
// documented limit; the Request does not hold headers back).
func TestHandlerContentTypeSniffed(t *testing.T) {
	const html = "<!DOCTYPE html><html><body><p>hello</p></body></html>"
	hello := handler.New(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, html)
	}))
	status := handler.New(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, html)
	}))
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			root := resource.New()
			root.PutChild("hello", gzip.Wrap(hello))
			root.PutChild("status", gzip.Wrap(status))
			serve := testutil.Serve
			if h2 {
				serve = testutil.ServeHTTP2
			}
			_, srv := serve(t, root)
			client := identityClient(t, srv)
			const sniffed = "text/html; charset=utf-8"
			tests := []struct {
				method, target, accept, encoding, ctype string
			}{
				{"GET", "/hello", "gzip", "gzip", sniffed},
				{"HEAD", "/hello", "gzip", "gzip", sniffed},
				{"GET", "/hello", "", "", sniffed},
				{"GET", "/status", "gzip", "gzip", ""},
				{"GET", "/status", "", "", sniffed},
			}
			for _, tt := range tests {
				req := testutil.NewRequest(t, tt.method, srv.URL+tt.target, nil, "Accept-Encoding", tt.accept)
				resp, raw := testutil.Send(t, client, req)
				if got := resp.Header.Get("Content-Encoding"); got != tt.encoding {
					t.Fatalf("%s %s, Accept-Encoding %q: Content-Encoding %q, want %q", tt.method, tt.target, tt.accept, got, tt.encoding)
				}
				if got := resp.Header.Get("Content-Type"); got != tt.ctype {
					t.Errorf("%s %s, Accept-Encoding %q: Content-Type %q, want %q", tt.method, tt.target, tt.accept, got, tt.ctype)
				}
				if tt.method == "GET" && tt.encoding == "gzip" && gunzip(t, raw) != html {
					t.Errorf("body %q", raw)
				}
			}
		})
	}
}
