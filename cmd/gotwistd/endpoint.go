package main

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/gotwisted/web/site"
)

// An endpoint is a parsed endpoint description, as Twisted's strports
// reads "tcp:8080:interface=127.0.0.1", "ssl:443:privateKey=key.pem" or
// "unix:/run/web.sock".
type endpoint struct {
	desc    string      // as given, for messages
	network string      // "tcp" or "unix"
	address string      // host:port, or the socket's path
	mode    os.FileMode // of a Unix socket
	clean   bool        // a Unix socket left by a dead server may be removed
	certs   *certFiles  // for ssl
}

// parseEndpoint parses an endpoint description: its type, then
// colon-separated arguments, positional or name=value, with "\" escaping
// the next character, as Twisted's serverFromString. A bare port number
// is taken as tcp:PORT, as older Twisted did. It returns the warnings for
// arguments it accepts but ignores.
func parseEndpoint(desc string) (ep *endpoint, warnings []string, err error) {
	if digits(desc) {
		desc = "tcp:" + desc
	}
	args, kw, err := splitEndpoint(desc)
	if err != nil {
		return nil, nil, err
	}
	ep = &endpoint{desc: desc}
	typ := strings.ToLower(args[0])
	var params []string // the positional parameters of the type, in order
	defaults := map[string]string{}
	switch typ {
	case "tcp":
		params = []string{"port", "interface", "backlog"}
	case "tcp6":
		params = []string{"port", "backlog", "interface"}
		defaults["interface"] = "::"
	case "ssl":
		params = []string{"port", "privateKey", "certKey", "sslmethod", "interface", "backlog", "extraCertChain", "dhParameters"}
		defaults["privateKey"] = "server.pem"
	case "unix":
		params = []string{"address", "mode", "backlog", "lockfile"}
		defaults["mode"] = "666"
	default:
		return nil, nil, fmt.Errorf("endpoint %q: unknown endpoint type %q (gotwistd knows tcp, tcp6, ssl and unix)", desc, args[0])
	}
	vals := map[string]string{}
	if len(args)-1 > len(params) {
		return nil, nil, fmt.Errorf("endpoint %q: too many arguments for %s", desc, typ)
	}
	for i, a := range args[1:] {
		vals[params[i]] = a
	}
	for k, v := range kw {
		if !contains(params, k) {
			return nil, nil, fmt.Errorf("endpoint %q: %s takes no argument %q (it takes %s)", desc, typ, k, strings.Join(params, ", "))
		}
		if _, dup := vals[k]; dup {
			return nil, nil, fmt.Errorf("endpoint %q: %s given twice", desc, k)
		}
		vals[k] = v
	}
	for k, v := range defaults {
		if _, ok := vals[k]; !ok {
			vals[k] = v
		}
	}
	if b, ok := vals["backlog"]; ok {
		if _, err := strconv.Atoi(b); err != nil {
			return nil, nil, fmt.Errorf("endpoint %q: backlog %q is not a number", desc, b)
		}
		warnings = append(warnings, fmt.Sprintf("endpoint %q: backlog is ignored (Go uses the system's maximum)", desc))
	}
	if typ == "unix" {
		if vals["address"] == "" {
			return nil, nil, fmt.Errorf("endpoint %q: unix needs the path of the socket", desc)
		}
		m, err := strconv.ParseUint(vals["mode"], 8, 32)
		if err != nil || m > 0o777 {
			return nil, nil, fmt.Errorf("endpoint %q: mode %q is not an octal permission such as 660", desc, vals["mode"])
		}
		if l, ok := vals["lockfile"]; ok && l != "0" && l != "1" {
			return nil, nil, fmt.Errorf("endpoint %q: lockfile %q: want 0 or 1", desc, l)
		}
		ep.network, ep.address, ep.mode = "unix", vals["address"], os.FileMode(m)
		ep.clean = vals["lockfile"] != "0"
		return ep, warnings, nil
	}
	port, ok := vals["port"]
	if !ok || !isPort(port) {
		return nil, nil, fmt.Errorf("endpoint %q: want a port number from 0 to 65535, as in %s:8080", desc, typ)
	}
	ep.network, ep.address = "tcp", net.JoinHostPort(vals["interface"], port)
	if typ == "ssl" {
		for _, k := range []string{"sslmethod", "dhParameters"} {
			if _, ok := vals[k]; ok {
				warnings = append(warnings, fmt.Sprintf("endpoint %q: %s is ignored (Go's TLS picks the protocol versions and uses ECDHE)", desc, k))
			}
		}
		key := vals["privateKey"]
		cert, ok := vals["certKey"]
		if !ok {
			cert = key
		}
		ep.certs = &certFiles{cert: cert, key: key, chain: vals["extraCertChain"]}
	}
	return ep, warnings, nil
}

// splitEndpoint splits a description into its positional arguments (the
// first is the type) and its name=value ones, as Twisted's tokenizer: ":"
// separates arguments, the first "=" of one separates name from value, and
// "\" takes the next character as it is.
func splitEndpoint(desc string) (args []string, kw map[string]string, err error) {
	kw = map[string]string{}
	var cur strings.Builder
	var name string
	hasName := false
	add := func() error {
		if hasName {
			if _, dup := kw[name]; dup {
				return fmt.Errorf("endpoint %q: %s given twice", desc, name)
			}
			kw[name] = cur.String()
		} else {
			args = append(args, cur.String())
		}
		cur.Reset()
		hasName = false
		return nil
	}
	for i := 0; i < len(desc); i++ {
		switch c := desc[i]; {
		case c == '\\':
			if i+1 == len(desc) {
				return nil, nil, fmt.Errorf("endpoint %q ends with a lone backslash", desc)
			}
			i++
			cur.WriteByte(desc[i])
		case c == ':':
			if err := add(); err != nil {
				return nil, nil, err
			}
		case c == '=' && !hasName:
			name, hasName = cur.String(), true
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if err := add(); err != nil {
		return nil, nil, err
	}
	if args == nil || args[0] == "" {
		return nil, nil, fmt.Errorf("endpoint %q: want a type first, as in tcp:8080", desc)
	}
	return args, kw, nil
}

// escapeEndpoint escapes s to stand as one argument of a description.
func escapeEndpoint(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `:`, `\:`, `=`, `\=`)
	return r.Replace(s)
}

func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535 && digits(s)
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// listen opens the endpoint and returns it as a site.Endpoint, with the
// certificate loaded for ssl.
func (ep *endpoint) listen() (site.Endpoint, error) {
	var cfg *tls.Config
	if ep.certs != nil {
		if err := ep.certs.load(); err != nil {
			return site.Endpoint{}, fmt.Errorf("endpoint %q: %w", ep.desc, err)
		}
		cfg = &tls.Config{GetCertificate: ep.certs.get}
	}
	ln, err := net.Listen(ep.network, ep.address)
	if err != nil && ep.clean && errors.Is(err, syscall.EADDRINUSE) && staleSocket(ep.address) {
		// What a killed server left: nobody answers on it any more.
		os.Remove(ep.address)
		ln, err = net.Listen(ep.network, ep.address)
	}
	if err != nil {
		return site.Endpoint{}, fmt.Errorf("endpoint %q: %w", ep.desc, err)
	}
	if ep.network == "unix" {
		if err := os.Chmod(ep.address, ep.mode); err != nil {
			ln.Close()
			return site.Endpoint{}, fmt.Errorf("endpoint %q: %w", ep.desc, err)
		}
	}
	return site.Endpoint{Listener: ln, TLSConfig: cfg}, nil
}

// staleSocket reports whether path is a Unix socket no process listens on.
func staleSocket(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false
	}
	c, err := net.Dial("unix", path)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// certFiles is the certificate of a TLS endpoint, loaded from its files
// at start and again on SIGHUP; handshakes take the latest through
// tls.Config.GetCertificate.
type certFiles struct {
	cert, key, chain string
	cur              atomic.Pointer[tls.Certificate]
}

// load reads the files and, if they hold a certificate and its key,
// makes them the certificate served; otherwise the one served stays.
func (c *certFiles) load() error {
	certPEM, err := os.ReadFile(c.cert)
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(c.key)
	if err != nil {
		return err
	}
	if c.chain != "" {
		chainPEM, err := os.ReadFile(c.chain)
		if err != nil {
			return err
		}
		if !hasCertificate(chainPEM) {
			return fmt.Errorf("%s holds no certificate in PEM format", c.chain)
		}
		certPEM = append(append(certPEM, '\n'), chainPEM...)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("%s and %s: %w", c.cert, c.key, err)
	}
	c.cur.Store(&cert)
	return nil
}

func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cur.Load(), nil
}

func hasCertificate(p []byte) bool {
	for {
		var b *pem.Block
		b, p = pem.Decode(p)
		if b == nil {
			return false
		}
		if b.Type == "CERTIFICATE" {
			return true
		}
	}
}
