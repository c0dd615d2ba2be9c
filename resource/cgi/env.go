package cgi

import (
	"errors"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/gotwisted/web/request"
)

// ServerSoftware is the SERVER_SOFTWARE a script is given (Twisted gives
// "TwistedWeb/" and its version). Options.Env may replace it.
const ServerSoftware = "gotwisted-web"

// defaultPath is the PATH a script gets when the server has none, as in
// net/http/cgi.
const defaultPath = "/bin:/usr/bin:/usr/ucb:/usr/bsd:/usr/local/bin"

// errNUL: a path segment or query argument decodes to a NUL byte, which an
// environment variable or a command-line argument cannot hold (400).
var errNUL = errors.New("cgi: a NUL byte in the path or the query")

// loaderEnv names the variables of the server's environment that the
// dynamic loader reads, which a script inherits so that it can start where
// the server can (the rule of net/http/cgi).
func loaderEnv() []string {
	switch runtime.GOOS {
	case "darwin", "ios":
		return []string{"DYLD_LIBRARY_PATH"}
	case "illumos", "solaris":
		return []string{"LD_LIBRARY_PATH", "LD_LIBRARY_PATH_32", "LD_LIBRARY_PATH_64"}
	case "windows":
		return []string{"SystemRoot", "COMSPEC", "PATHEXT", "WINDIR"}
	}
	return []string{"LD_LIBRARY_PATH"}
}

// environ returns the environment of the script at filename for r, whose
// body is bodyLen bytes long, as "KEY=value" strings sorted by key. See the
// package documentation for what it holds.
func (o *Options) environ(r *request.Request, filename string, bodyLen int64) ([]string, error) {
	hr := r.HTTPRequest()
	env := map[string]string{
		"SERVER_SOFTWARE":   ServerSoftware,
		"SERVER_NAME":       serverName(r),
		"GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_PROTOCOL":   hr.Proto,
		"SERVER_PORT":       serverPort(r),
		"REQUEST_METHOD":    r.Method(),
		"SCRIPT_NAME":       "/" + strings.Join(r.Prepath(), "/"),
		"SCRIPT_FILENAME":   filename,
		"REQUEST_URI":       r.URI(),
		"QUERY_STRING":      hr.URL.RawQuery,
		"CONTENT_LENGTH":    strconv.FormatInt(bodyLen, 10),
	}
	if hr.Host != "" {
		env["HTTP_HOST"] = hr.Host
	}
	if ip := r.ClientAddr(); ip != "-" {
		env["REMOTE_ADDR"] = ip
	}
	if pp := r.Postpath(); len(pp) > 0 {
		env["PATH_INFO"] = "/" + strings.Join(pp, "/")
	}
	if r.IsSecure() {
		env["HTTPS"] = "on"
	}
	if ct := r.Header("Content-Type"); ct != "" {
		env["CONTENT_TYPE"] = ct
	}
	for name, values := range hr.Header {
		if key, ok := headerVar(name); ok {
			sep := ", "
			if key == "HTTP_COOKIE" {
				sep = "; "
			}
			env[key] = strings.Join(values, sep)
		}
	}
	if p := os.Getenv("PATH"); p != "" {
		env["PATH"] = p
	} else {
		env["PATH"] = defaultPath
	}
	for _, names := range [][]string{loaderEnv(), o.InheritEnv} {
		for _, k := range names {
			if v := os.Getenv(k); v != "" {
				env[k] = v
			}
		}
	}
	for _, kv := range o.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		if strings.IndexByte(v, 0) >= 0 {
			return nil, &request.StatusError{Code: http.StatusBadRequest, Err: errNUL}
		}
		list = append(list, k+"="+v)
	}
	slices.Sort(list)
	return list, nil
}

// headerVar returns the variable that carries the request header name:
// HTTP_ and the name in upper case with "-" as "_". Content-Type and
// Content-Length have variables of their own; Proxy is never passed on, so
// that a client cannot set a script's HTTP_PROXY ("httpoxy"); and a name
// holding anything but letters, digits and "-" is dropped, so that
// "X_Forwarded_For" cannot pass for X-Forwarded-For.
func headerVar(name string) (string, bool) {
	switch name {
	case "Content-Type", "Content-Length", "Proxy", "Host":
		return "", false
	}
	b := make([]byte, 0, len("HTTP_")+len(name))
	b = append(b, "HTTP_"...)
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z':
			b = append(b, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b = append(b, c)
		case c == '-':
			b = append(b, '_')
		default:
			return "", false
		}
	}
	return string(b), true
}

// serverName is the host the client asked for, or, from a request that
// names none (HTTP/1.0 without Host), the address it came to, as Twisted
// gives it; an IPv6 address is in brackets (RFC 3875 §4.1.14), as in a URL.
func serverName(r *request.Request) string {
	h := r.Hostname()
	if h == "" {
		if a, ok := r.LocalAddr().(*net.TCPAddr); ok {
			h = a.IP.String()
		} else {
			h = "localhost"
		}
	}
	if strings.IndexByte(h, ':') >= 0 {
		return "[" + h + "]"
	}
	return h
}

// serverPort returns the port the request came in on (Twisted's
// getHost().port), else the port of its Host, else the scheme's default.
func serverPort(r *request.Request) string {
	if a, ok := r.HTTPRequest().Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host()); err == nil && port != "" {
		return port
	}
	if r.IsSecure() {
		return "443"
	}
	return "80"
}

// queryArgs returns the command-line arguments of a query without "=" (an
// ISINDEX search, RFC 3875 §4.4, as Twisted passes it): the query split on
// "+", each word percent-decoded. A query with "=", or none, gives none.
func queryArgs(raw string) ([]string, error) {
	if raw == "" || strings.IndexByte(raw, '=') >= 0 {
		return nil, nil
	}
	words := strings.Split(raw, "+")
	for i, w := range words {
		words[i] = request.Unquote(w)
		if strings.IndexByte(words[i], 0) >= 0 {
			return nil, &request.StatusError{Code: http.StatusBadRequest, Err: errNUL}
		}
	}
	return words, nil
}
