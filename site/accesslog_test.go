package site_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

var timestamp = regexp.MustCompile(`\[\d\d/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d\d:\d\d:\d\d \+0000\]`)

// stamped checks that line has one access-log timestamp, recent, and
// returns the line with it replaced by [TS] and without its newline.
func stamped(t *testing.T, line string) string {
	t.Helper()
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Errorf("not one line: %q", line)
	}
	ts := timestamp.FindString(line)
	if ts == "" {
		t.Fatalf("no timestamp in %q", line)
	}
	when, err := time.Parse("[02/Jan/2006:15:04:05 -0700]", ts)
	if err != nil || time.Since(when) > time.Minute || time.Until(when) > time.Second {
		t.Errorf("timestamp %s (%v) is not now", ts, err)
	}
	return strings.TrimSuffix(strings.Replace(line, ts, "[TS]", 1), "\n")
}

func logTree() resource.Resource {
	root := resource.New()
	root.PutChild("x", page("ok"))
	root.PutChild("empty", page(""))
	return root
}

func TestAccessLog(t *testing.T) {
	log := make(lines, 16)
	_, srv := serve(t, logTree(), func(s *site.Site) { s.AccessLog = log })
	const closeHdr = "Host: example.com\r\nConnection: close\r\n"
	tests := []struct {
		name, request, want string
	}{
		{"combined",
			"GET /x?y=\"z HTTP/1.1\r\n" + closeHdr + "Referer: http://r/\r\nUser-Agent: UA \"q\"\r\n\r\n",
			`"127.0.0.1" - - [TS] "GET /x?y=\"z HTTP/1.1" 200 2 "http://r/" "UA \"q\""`},
		{"empty body is -",
			"GET /empty HTTP/1.1\r\n" + closeHdr + "\r\n",
			`"127.0.0.1" - - [TS] "GET /empty HTTP/1.1" 200 - "-" "-"`},
		{"HEAD sends no body",
			"HEAD /x HTTP/1.1\r\n" + closeHdr + "\r\n",
			`"127.0.0.1" - - [TS] "HEAD /x HTTP/1.1" 200 - "-" "-"`},
		{"not found",
			"GET /nope HTTP/1.0\r\n" + closeHdr + "\r\n",
			`"127.0.0.1" - - [TS] "GET /nope HTTP/1.0" 404 167 "-" "-"`},
		{"non-ASCII escaped",
			"GET /caf\xc3\xa9?q=\\ HTTP/1.1\r\n" + closeHdr + "User-Agent: \xe2\x98\x83\tx'\r\n\r\n",
			`"127.0.0.1" - - [TS] "GET /caf\xc3\xa9?q=\\ HTTP/1.1" 404 167 "-" "\xe2\x98\x83\tx'"`},
		{"last Referer and User-Agent",
			"GET /x HTTP/1.1\r\n" + closeHdr + "Referer: a\r\nReferer: b\r\nUser-Agent: one\r\nUser-Agent: two\r\n\r\n",
			`"127.0.0.1" - - [TS] "GET /x HTTP/1.1" 200 2 "b" "two"`},
		{"unknown method",
			"BREW /x HTTP/1.1\r\n" + closeHdr + "\r\n",
			`"127.0.0.1" - - [TS] "BREW /x HTTP/1.1" 501 `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testutil.Raw(t, srv, tt.request)
			got := stamped(t, log.next(t))
			if got != tt.want && !(strings.HasSuffix(tt.want, " ") && strings.HasPrefix(got, tt.want)) {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	// net/http's own refusals never reach the Site: nothing is logged.
	testutil.Raw(t, srv, "GET /%zz HTTP/1.1\r\n"+closeHdr+"\r\n")
	testutil.Raw(t, srv, "GET /x HTTP/1.1\r\n"+closeHdr+"\r\n")
	if got := stamped(t, log.next(t)); !strings.Contains(got, `"GET /x HTTP/1.1" 200 2`) {
		t.Errorf("after a refusal: %s", got)
	}
}

func TestAccessLogProxied(t *testing.T) {
	tests := []struct {
		name   string
		format site.LogFormatter
		trust  bool
		xff    string
		want   string
	}{
		{"proxied", site.ProxiedLogFormat, false, "1.1.1.1, 2.2.2.2", `"1.1.1.1"`},
		{"proxied extra spaces", site.ProxiedLogFormat, false, "  1.1.1.1  ,  2.2.2.2", `"1.1.1.1"`},
		{"proxied without header", site.ProxiedLogFormat, false, "", `"-"`},
		{"combined ignores it", nil, false, "1.1.1.1", `"127.0.0.1"`},
		{"combined trusting: the proxy's entry", nil, true, " 1.1.1.1 ,2.2.2.2", `"2.2.2.2"`},
		{"combined trusting without header", nil, true, "", `"127.0.0.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := make(lines, 4)
			_, srv := serve(t, logTree(), func(s *site.Site) {
				s.AccessLog, s.LogFormatter, s.TrustProxyHeaders = log, tt.format, tt.trust
			})
			hdr := ""
			if tt.xff != "" {
				hdr = "X-Forwarded-For: " + tt.xff + "\r\n"
			}
			testutil.Raw(t, srv, "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"+hdr+"\r\n")
			want := tt.want + ` - - [TS] "GET /x HTTP/1.1" 200 2 "-" "-"`
			if got := stamped(t, log.next(t)); got != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestAccessLogIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	log := make(lines, 4)
	s := site.New(logTree())
	s.AccessLog = log
	srv := httptest.NewUnstartedServer(s)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); s.Close() })
	if resp, _ := do(t, srv, "GET", "/x", nil); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := stamped(t, log.next(t)); !strings.HasPrefix(got, `"::1" - - [TS] "GET /x HTTP/1.1" 200 2 "-" "Go-http-client/1.1"`) {
		t.Errorf("IPv6 line: %s", got)
	}
}

func TestLogFormatter(t *testing.T) {
	log := make(lines, 4)
	_, srv := serve(t, logTree(), func(s *site.Site) {
		s.AccessLog = log
		s.LogFormatter = func(ts string, r *request.Request) string {
			return "custom " + r.Method() + " " + r.URI() + " " + http.StatusText(r.ResponseCode())
		}
	})
	do(t, srv, "GET", "/x?a=b", nil)
	do(t, srv, "GET", "/missing", nil)
	for _, want := range []string{"custom GET /x?a=b OK\n", "custom GET /missing Not Found\n"} {
		if got := log.next(t); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// formatted runs CombinedLogFormat and ProxiedLogFormat on a finished
// request, with Twisted's fixed timestamp.
func formatted(hr *http.Request, body string, cfg *request.Config) (combined, proxied string) {
	r := request.New(httptest.NewRecorder(), hr, cfg)
	r.FinishWith([]byte(body))
	const ts = "[13/Feb/2009:23:31:30 +0000]"
	return site.CombinedLogFormat(ts, r), site.ProxiedLogFormat(ts, r)
}

func TestCombinedLogFormat(t *testing.T) {
	req := func(method, target, remote string, header ...string) *http.Request {
		hr := httptest.NewRequest(method, target, nil)
		hr.Proto = "HTTP/1.0"
		hr.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			hr.Header.Add(header[i], header[i+1])
		}
		return hr
	}
	tests := []struct {
		name           string
		hr             *http.Request
		body           string
		cfg            *request.Config
		combined, prox string
	}{
		{"twisted", req("GET", "/dummy", "1.2.3.4:12345"), "", nil,
			`"1.2.3.4" - - [13/Feb/2009:23:31:30 +0000] "GET /dummy HTTP/1.0" 200 - "-" "-"`,
			`"-" - - [13/Feb/2009:23:31:30 +0000] "GET /dummy HTTP/1.0" 200 - "-" "-"`},
		{"length and headers", req("POST", "/x?y=1", "1.2.3.4:1", "Referer", "http://r/", "User-Agent", `UA "q"`), "123", nil,
			`"1.2.3.4" - - [13/Feb/2009:23:31:30 +0000] "POST /x?y=1 HTTP/1.0" 200 3 "http://r/" "UA \"q\""`, ""},
		{"IPv6", req("GET", "/", "[2001:db8::1]:80"), "ok", nil,
			`"2001:db8::1" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 2 "-" "-"`, ""},
		{"unknown client", req("GET", "/", ""), "", nil,
			`"-" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 - "-" "-"`, ""},
		{"non-ASCII and controls", req("GET", "/x", "1.2.3.4:1", "User-Agent", "\u2603\x01\x7f\t\r\n\\'\""), "", nil,
			`"1.2.3.4" - - [13/Feb/2009:23:31:30 +0000] "GET /x HTTP/1.0" 200 - "-" "\xe2\x98\x83\x01\x7f\t\r\n\\'\""`, ""},
		{"x-forwarded-for", req("GET", "/", "1.2.3.4:1", "X-Forwarded-For", "  5.6.7.8  , 9.9.9.9"), "", nil,
			`"1.2.3.4" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 - "-" "-"`,
			`"5.6.7.8" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 - "-" "-"`},
		{"x-forwarded-for trusted", req("GET", "/", "1.2.3.4:1", "X-Forwarded-For", "5.6.7.8, 9.9.9.9"), "", &request.Config{TrustProxyHeaders: true},
			`"9.9.9.9" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 - "-" "-"`, ""},
		{"escaped forwarded address", req("GET", "/", "1.2.3.4:1", "X-Forwarded-For", "\"evil\xff"), "", nil,
			"", `"\"evil\xff" - - [13/Feb/2009:23:31:30 +0000] "GET / HTTP/1.0" 200 - "-" "-"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			combined, proxied := formatted(tt.hr, tt.body, tt.cfg)
			if tt.combined != "" && combined != tt.combined {
				t.Errorf("CombinedLogFormat\n got %s\nwant %s", combined, tt.combined)
			}
			if tt.prox != "" && proxied != tt.prox {
				t.Errorf("ProxiedLogFormat\n got %s\nwant %s", proxied, tt.prox)
			}
		})
	}
}
