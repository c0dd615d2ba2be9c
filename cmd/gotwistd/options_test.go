package main

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseArgs(t *testing.T) {
	base := func(f func(o *config)) *config {
		o := &config{certificate: "server.pem", privkey: "server.pem"}
		f(o)
		return o
	}
	tests := []struct {
		args []string
		want *config
		eps  []string
	}{
		{[]string{"web"}, base(func(*config) {}), []string{"tcp:8080"}},
		{[]string{"-n", "web", "--path", "/srv", "--listen", "tcp:80"},
			base(func(o *config) { o.path, o.listen = "/srv", []string{"tcp:80"} }), []string{"tcp:80"}},
		{[]string{"--nodaemon", "--pidfile=p", "web", "--path=/srv"},
			base(func(o *config) { o.pidfile, o.path = "p", "/srv" }), []string{"tcp:8080"}},
		// getopt's spellings: a unique prefix, "_" for "-", "-xVALUE".
		{[]string{"web", "--pa", "/srv", "--mime_type", "text/plain", "-iindex.txt", "-i", "home.html"},
			base(func(o *config) {
				o.path, o.mimeType, o.mimeTypeSet, o.indexes = "/srv", "text/plain", true, []string{"index.txt", "home.html"}
			}), []string{"tcp:8080"}},
		// Twisted's order: --listen, then --port, then --https.
		{[]string{"web", "--https=443", "-c", "c.pem", "-k", "k:1.pem", "-p", "8080", "--listen", "unix:/s"},
			base(func(o *config) {
				o.https, o.certificate, o.privkey, o.port, o.listen = "443", "c.pem", "k:1.pem", "8080", []string{"unix:/s"}
			}), []string{"unix:/s", "8080", `ssl:port=443:privateKey=k\:1.pem:certKey=c.pem`}},
		{[]string{"web", "--add-header", "X-A: b: c", "--add-header=Cache-Control:no-cache", "--display-tracebacks", "-l", "-"},
			base(func(o *config) {
				o.headers = [][2]string{{"X-A", "b: c"}, {"Cache-Control", "no-cache"}}
				o.displayTracebacks, o.logfile = true, "-"
			}), []string{"tcp:8080"}},
		{[]string{"web", "--path", ".", "--ignore-ext", ".html", "--allow-ignore-ext", "--no-listing", "--follow-symlinks"},
			base(func(o *config) {
				o.path, o.ignoreExts, o.noListing, o.followSymlinks = ".", []string{".html", "*"}, true, true
			}), []string{"tcp:8080"}},
		{[]string{"web", "-n", "--max-body-size", "-1", "--shutdown-timeout", "1m"},
			base(func(o *config) {
				o.warnings = []string{"--notracebacks is deprecated: tracebacks are off unless --display-tracebacks is given"}
				o.maxBodySize, o.maxBodySizeSet, o.shutdownTimeout = -1, true, time.Minute
			}), []string{"tcp:8080"}},
		{[]string{"web", "--help"}, base(func(o *config) { o.help = true }), nil},
		{[]string{"--version"}, base(func(o *config) { o.version = true }), nil},
	}
	for _, tt := range tests {
		got, err := parseArgs(tt.args)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.args, got, tt.want)
		}
		if tt.eps != nil && !reflect.DeepEqual(got.endpoints(), tt.eps) {
			t.Errorf("%q: endpoints %q, want %q", tt.args, got.endpoints(), tt.eps)
		}
	}
}

// TestUsageErrors runs the command on bad command lines: each exits with
// status 2 and one clear line, before anything is served.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"ftp"}, `unknown command "ftp"`},
		{[]string{"--syslog", "web"}, "option --syslog not recognized"},
		{[]string{"web", "--bogus"}, "web option --bogus not recognized"},
		{[]string{"web", "-z"}, "web option -z not recognized"},
		{[]string{"web", "--pidfile", "p"}, "--pidfile is an option of gotwistd itself: put it before web"},
		{[]string{"web", "--path"}, "option --path requires a value"},
		{[]string{"web", "--path="}, "--path is empty"},
		{[]string{"web", "--path", ""}, "--path is empty"},
		{[]string{"web", "--display-tracebacks=yes"}, "takes no value"},
		{[]string{"web", "/srv"}, `web takes no arguments, only options: "/srv" (did you mean --path /srv?)`},
		{[]string{"web", "--mime-type", "text/plain"}, "--mime-type applies only to files: give --path too"},
		{[]string{"web", "--allow-ignore-ext"}, "--ignore-ext (and --allow-ignore-ext) applies only to files"},
		{[]string{"web", "--follow-symlinks"}, "--follow-symlinks applies only to files"},
		{[]string{"web", "--no-listing"}, "--no-listing applies only to files"},
		{[]string{"web", "--add-header", "NoColon"}, `--add-header "NoColon"`},
		{[]string{"web", "--add-header", "Bad Name: x"}, `--add-header "Bad Name: x"`},
		{[]string{"web", "--max-body-size", "lots"}, "--max-body-size"},
		{[]string{"web", "--shutdown-timeout", "-1s"}, "--shutdown-timeout"},
		{[]string{"web", "--wsgi", "app.application"}, "--wsgi is not supported: Go has no WSGI; an http.Handler is its counterpart"},
		{[]string{"web", "--class", "my.Resource"}, "--class is not supported: Go cannot load a type by name"},
		{[]string{"web", "--resource-script", "a.rpy"}, "--resource-script is not supported: .rpy scripts are Python"},
		{[]string{"web", "--path", ".", "--processor", ".x=a.B"}, "--processor is not supported: a processor is Go code"},
		{[]string{"web", "-u"}, "--user is not supported: per-user directories"},
		{[]string{"web", "--personal"}, "--personal is not supported: distributed"},
		{[]string{"web", "--listen", "udp:53"}, `unknown endpoint type "udp"`},
		{[]string{"web", "--listen", "tcp:http"}, "want a port number"},
		{[]string{"web", "--listen", "tcp:80:port=81"}, "port given twice"},
		{[]string{"web", "--listen", "tcp:80:bogus=1"}, `tcp takes no argument "bogus"`},
		{[]string{"web", "--listen", "unix:/s:mode=999"}, "not an octal permission"},
		{[]string{"web", "--port", "99999"}, "want a port number"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 and %q", tt.args, code, stderr.String(), stdout.String(), tt.want)
		}
		if lines := strings.Count(stderr.String(), "\n"); lines != 2 {
			t.Errorf("%q: %d lines on stderr, want the error and the hint", tt.args, lines)
		}
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"web", "--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := stdout.String()
	// Every option of twistd web is in the help: as itself, or refused.
	for _, want := range []string{
		"Usage: gotwistd [options] web [web options]",
		"--add-header=", "--allow-ignore-ext", "-c, --certificate=", "--class=", "--display-tracebacks",
		"--https=", "--ignore-ext=", "-i, --index=", "--listen=", "[default: tcp:8080]", "-l, --logfile=",
		"-m, --mime-type=", "-n, --notracebacks", "--path=", "--personal", "-p, --port=", "-k, --privkey=",
		"--processor=", "--resource-script=", "-u, --user", "--wsgi=", "--help", "--version",
		"(gotwisted) The largest request body", "(gotwisted) How long responses in flight",
		"(gotwisted) Follow symbolic links", "(gotwisted) Answer 403 for a directory",
		"twistd web options that gotwistd refuses",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for i, line := range strings.Split(help, "\n") {
		if len(line) > 79 && !strings.Contains(line, "(tcp:PORT") {
			t.Errorf("help line %d is %d columns: %q", i+1, len(line), line)
		}
	}
	refused := help[strings.Index(help, "refuses"):strings.Index(help, "This starts")]
	if strings.Contains(refused, "--path") || !strings.Contains(refused, "--wsgi") {
		t.Errorf("the refused section is wrong:\n%s", refused)
	}

	stdout.Reset()
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "-n, --nodaemon") ||
		!strings.Contains(stdout.String(), "web              A general-purpose web server") {
		t.Errorf("gotwistd --help: %d\n%s", code, stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"--version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "gotwistd ") {
		t.Errorf("--version: %d %q", code, stdout.String())
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		desc          string
		network, addr string
		mode          os.FileMode
		cert, key     string
		warnings      int
	}{
		{"tcp:8080", "tcp", ":8080", 0, "", "", 0},
		{"8080", "tcp", ":8080", 0, "", "", 0},
		{"tcp:port=80:interface=127.0.0.1", "tcp", "127.0.0.1:80", 0, "", "", 0},
		{"tcp:80:127.0.0.1:50", "tcp", "127.0.0.1:80", 0, "", "", 1},
		{`tcp:80:interface=\:\:1`, "tcp", "[::1]:80", 0, "", "", 0},
		{"tcp6:80", "tcp", "[::]:80", 0, "", "", 0},
		{"TCP:80", "tcp", ":80", 0, "", "", 0},
		{"ssl:443", "tcp", ":443", 0, "server.pem", "server.pem", 0},
		{"ssl:443:privateKey=k.pem:certKey=c.pem", "tcp", ":443", 0, "c.pem", "k.pem", 0},
		{"ssl:443:k.pem:c.pem:sslmethod=TLSv1_2_METHOD:dhParameters=dh.pem", "tcp", ":443", 0, "c.pem", "k.pem", 2},
		{`ssl:443:privateKey=a\=b.pem`, "tcp", ":443", 0, "a=b.pem", "a=b.pem", 0},
		{"ssl:443:privateKey=a=b.pem", "tcp", ":443", 0, "a=b.pem", "a=b.pem", 0},
		{"unix:/run/web.sock", "unix", "/run/web.sock", 0o666, "", "", 0},
		{"unix:address=/s:mode=600:lockfile=0", "unix", "/s", 0o600, "", "", 0},
		{`unix:/a\:b`, "unix", "/a:b", 0o666, "", "", 0},
	}
	for _, tt := range tests {
		ep, warnings, err := parseEndpoint(tt.desc)
		if err != nil {
			t.Errorf("%q: %v", tt.desc, err)
			continue
		}
		if ep.network != tt.network || ep.address != tt.addr || ep.mode != tt.mode || len(warnings) != tt.warnings {
			t.Errorf("%q: %s %s %o, %q", tt.desc, ep.network, ep.address, ep.mode, warnings)
		}
		if tt.cert == "" && ep.certs != nil || tt.cert != "" && (ep.certs == nil || ep.certs.cert != tt.cert || ep.certs.key != tt.key) {
			t.Errorf("%q: certificate files %+v, want %s and %s", tt.desc, ep.certs, tt.cert, tt.key)
		}
	}
	for _, bad := range []string{"", ":80", "tcp", "tcp:", "tcp:-1", "tcp:+80", "tcp:65536", "tcp:80:a:b:c",
		"tcp:80:backlog=x", "unix:", "unix:/s:lockfile=2", `tcp:80\`, "tcp:80:port=1", "tcp:80:interface=a:interface=b", "systemd:domain=INET:index=0"} {
		if _, _, err := parseEndpoint(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	for _, s := range []string{"plain", `a:b=c\d`, `\\:==`} {
		args, _, err := splitEndpoint("x:" + escapeEndpoint(s))
		if err != nil || len(args) != 2 || args[1] != s {
			t.Errorf("escapeEndpoint(%q) does not round-trip: %q %v", s, args, err)
		}
	}
}
