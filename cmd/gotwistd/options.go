package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// usageError is a mistake on the command line: main prints it with a hint
// to --help and exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// An option is one command-line option, as twistd's usage.Options declares
// them: a long name, an optional one-letter name, and either a flag
// (takes no value) or a parameter (takes one).
type option struct {
	long  string // without "--"
	short byte   // 0: none
	param bool   // takes a value
	def   string // the default shown in the help, if any
	help  string
	ours  bool   // an option of gotwistd's own, marked so in the help
	gone  string // non-empty: twistd has it, gotwistd refuses it and says this
	set   func(o *config, v string) error
}

// config is what the command line asks for.
type config struct {
	help, version bool

	// twistd's own options, before "web".
	pidfile string

	// web options.
	path              string
	listen            []string
	port, https       string
	certificate       string
	privkey           string
	logfile           string
	indexes           []string
	mimeType          string
	mimeTypeSet       bool
	ignoreExts        []string
	headers           [][2]string
	displayTracebacks bool
	followSymlinks    bool
	noListing         bool
	maxBodySize       int64
	maxBodySizeSet    bool
	shutdownTimeout   time.Duration
	warnings          []string // printed on standard error before serving
}

// twistdOptions are the options taken before the "web" subcommand, where
// twistd takes its own.
var twistdOptions = []option{
	{long: "help", help: "Display this help and exit.",
		set: func(o *config, _ string) error { o.help = true; return nil }},
	{long: "nodaemon", short: 'n', help: "Accepted and ignored: gotwistd always runs in the foreground (use a service manager such as systemd to run it in the background).",
		set: func(*config, string) error { return nil }},
	{long: "pidfile", param: true, help: "Name of a file to write the process id to while running (removed on exit). twistd writes twistd.pid by default; gotwistd writes none unless asked.",
		set: func(o *config, v string) error { o.pidfile = v; return nil }},
	{long: "version", help: "Print version information and exit.",
		set: func(o *config, _ string) error { o.version = true; return nil }},
}

// webOptions are the options of "web", as Twisted's twisted/web/tap.py
// declares them, plus gotwistd's own.
var webOptions = []option{
	{long: "add-header", param: true, help: `Specify an additional header to be included in all responses. Specified as "HeaderName: HeaderValue".`,
		set: func(o *config, v string) error {
			name, value, ok := strings.Cut(v, ":")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || !validHeaderName(name) || !validHeaderValue(value) {
				return usagef("--add-header %q: want \"HeaderName: HeaderValue\" (a token, a colon, then a value on one line)", v)
			}
			o.headers = append(o.headers, [2]string{name, value})
			return nil
		}},
	{long: "allow-ignore-ext", help: "Specify whether or not a request for 'foo' should return 'foo.ext'.",
		set: func(o *config, _ string) error { o.ignoreExts = append(o.ignoreExts, "*"); return nil }},
	{long: "certificate", short: 'c', param: true, def: "server.pem", help: "(DEPRECATED: use --listen) SSL certificate to use for HTTPS.",
		set: func(o *config, v string) error { o.certificate = v; return nil }},
	{long: "class", param: true, help: "Create a Resource subclass with a zero-argument constructor.",
		gone: "Go cannot load a type by name at run time: write a Go program that builds your resource and serves it with site.New(root).Run (docs/twistd-web.md shows one)"},
	{long: "display-tracebacks", help: "Show uncaught exceptions during rendering tracebacks to the client. WARNING: This may be a security risk and expose private data!",
		set: func(o *config, _ string) error { o.displayTracebacks = true; return nil }},
	{long: "follow-symlinks", ours: true, help: "Follow symbolic links that lead out of --path, as twistd web does; without it nothing outside --path is served.",
		set: func(o *config, _ string) error { o.followSymlinks = true; return nil }},
	{long: "https", param: true, help: "(DEPRECATED: use --listen) Port to listen on for Secure HTTP.",
		set: func(o *config, v string) error { o.https = v; return nil }},
	{long: "ignore-ext", param: true, help: "Specify an extension to ignore. These will be processed in order.",
		set: func(o *config, v string) error { o.ignoreExts = append(o.ignoreExts, v); return nil }},
	{long: "index", short: 'i', param: true, def: "index, index.html, index.htm, index.rpy", help: "Add the name of a file used to check for directory indexes; the first one given replaces the defaults.",
		set: func(o *config, v string) error { o.indexes = append(o.indexes, v); return nil }},
	{long: "listen", param: true, def: "tcp:8080", help: "Add an endpoint description (tcp:PORT[:interface=ADDR], ssl:PORT:privateKey=FILE[:certKey=FILE], unix:PATH[:mode=666]) of a port to start the server on.",
		set: func(o *config, v string) error { o.listen = append(o.listen, v); return nil }},
	{long: "logfile", short: 'l', param: true, help: "Path to web CLF (Combined Log Format) log file. (gotwisted: - is standard output; SIGHUP reopens the file.)",
		set: func(o *config, v string) error { o.logfile = v; return nil }},
	{long: "max-body-size", param: true, def: "10485760", ours: true, help: "The largest request body, in bytes, the server reads (413 beyond it); 0 or negative: no limit.",
		set: func(o *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return usagef("--max-body-size %q: want a number of bytes", v)
			}
			o.maxBodySize, o.maxBodySizeSet = n, true
			return nil
		}},
	{long: "mime-type", short: 'm', param: true, def: "text/html", help: "Specify the default mime-type for static files.",
		set: func(o *config, v string) error { o.mimeType, o.mimeTypeSet = v, true; return nil }},
	{long: "no-listing", ours: true, help: "Answer 403 for a directory without an index file instead of listing it.",
		set: func(o *config, _ string) error { o.noListing = true; return nil }},
	{long: "notracebacks", short: 'n', help: "(DEPRECATED: Tracebacks are disabled by default. See --display-tracebacks to turn them on.)",
		set: func(o *config, _ string) error {
			o.warnings = append(o.warnings, "--notracebacks is deprecated: tracebacks are off unless --display-tracebacks is given")
			return nil
		}},
	{long: "path", param: true, help: "<path> is either a specific file or a directory to be set as the root of the web server. Use this if you have a directory full of HTML, cgi, or any other files that you want to be served up raw. .cgi files run as CGI scripts; .rpy and .epy files are refused with 403.",
		set: func(o *config, v string) error {
			// twistd web serves the current directory for an empty
			// path: an unset variable ("--path=$ROOT") would publish
			// whatever directory the server happens to start in.
			if v == "" {
				return usagef("--path is empty: name a file or a directory (. for the current one)")
			}
			o.path = v
			return nil
		}},
	{long: "personal", help: "Instead of generating a webserver, generate a ResourcePublisher.",
		gone: "distributed (twisted.web.distrib) publishing has no Go counterpart: run the server on its own port or Unix socket and put a reverse proxy (resource/proxy) in front"},
	{long: "port", short: 'p', param: true, help: "(DEPRECATED: use --listen) Endpoint description of port to start the server on.",
		set: func(o *config, v string) error { o.port = v; return nil }},
	{long: "privkey", short: 'k', param: true, def: "server.pem", help: "(DEPRECATED: use --listen) SSL private key to use for HTTPS.",
		set: func(o *config, v string) error { o.privkey = v; return nil }},
	{long: "processor", param: true, help: "`ext=class' where `class' is added as a Processor for files ending with `ext'.",
		gone: "a processor is Go code: set the Processors of a static.File in a Go program (docs/twistd-web.md shows one)"},
	{long: "resource-script", param: true, help: "An .rpy file to be used as the root resource of the webserver.",
		gone: ".rpy scripts are Python: write the resource in Go and serve it from a program (examples/rpy-scripts)"},
	{long: "shutdown-timeout", param: true, def: "10s", ours: true, help: "How long responses in flight may take to finish after SIGINT or SIGTERM before their connections are closed.",
		set: func(o *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return usagef("--shutdown-timeout %q: want a positive duration such as 10s", v)
			}
			o.shutdownTimeout = d
			return nil
		}},
	{long: "user", short: 'u', help: "Makes a server with ~/public_html and ~/.twistd-web-pb support for users.",
		gone: "per-user directories have no Go counterpart: serve each user's directory with a static.File under a child of the root, from a Go program"},
	{long: "wsgi", param: true, help: "The FQPN of a WSGI application object to serve as the root resource of the webserver.",
		gone: "Go has no WSGI; an http.Handler is its counterpart: mount one with handler.New(h) in a Go program (examples/wsgi)"},
	{long: "help", help: "Display this help and exit.",
		set: func(o *config, _ string) error { o.help = true; return nil }},
	{long: "version", help: "Display version and exit.",
		set: func(o *config, _ string) error { o.version = true; return nil }},
}

// parseArgs reads a command line (without the program name): twistd's
// options, the subcommand "web", then its options.
func parseArgs(args []string) (*config, error) {
	o := &config{certificate: "server.pem", privkey: "server.pem"}
	rest, err := parseOptions(twistdOptions, args, o, "")
	if err != nil || o.help || o.version {
		return o, err
	}
	if len(rest) == 0 {
		return nil, usagef("no command: the command is web, as in gotwistd web --path DIR")
	}
	if rest[0] != "web" {
		return nil, usagef("unknown command %q: the only command is web", rest[0])
	}
	rest, err = parseOptions(webOptions, rest[1:], o, "web ")
	if err != nil || o.help || o.version {
		return o, err
	}
	if len(rest) > 0 {
		return nil, usagef("web takes no arguments, only options: %q (did you mean --path %s?)", rest[0], rest[0])
	}
	return o, o.check()
}

// parseOptions applies the options at the front of args to o, as Python's
// getopt reads them for twistd: "--name=value", "--name value", a unique
// prefix of a long name, "-x value", "-xvalue", and one-letter flags
// grouped as "-nx"; "_" may stand for "-" in a long name, and "--" ends
// the options. It stops at the first argument that is not an option and
// returns the arguments from there.
func parseOptions(opts []option, args []string, o *config, cmd string) ([]string, error) {
	for len(args) > 0 {
		arg := args[0]
		switch {
		case arg == "--":
			return args[1:], nil
		case strings.HasPrefix(arg, "--"):
			name, value, hasValue := strings.Cut(arg[2:], "=")
			opt, err := findLong(opts, name, cmd)
			if err != nil {
				return nil, err
			}
			args = args[1:]
			if opt.param && !hasValue {
				if len(args) == 0 {
					return nil, usagef("option --%s requires a value", opt.long)
				}
				value, args = args[0], args[1:]
			} else if !opt.param && hasValue {
				return nil, usagef("option --%s takes no value", opt.long)
			}
			if err := apply(opt, o, value); err != nil {
				return nil, err
			}
		case len(arg) > 1 && arg[0] == '-':
			args = args[1:]
			for i := 1; i < len(arg); i++ {
				opt := findShort(opts, arg[i])
				if opt == nil {
					return nil, usagef("%soption -%c not recognized", cmd, arg[i])
				}
				if !opt.param {
					if err := apply(opt, o, ""); err != nil {
						return nil, err
					}
					continue
				}
				value := arg[i+1:]
				if value == "" {
					if len(args) == 0 {
						return nil, usagef("option -%c requires a value", arg[i])
					}
					value, args = args[0], args[1:]
				}
				if err := apply(opt, o, value); err != nil {
					return nil, err
				}
				break
			}
		default:
			return args, nil
		}
	}
	return nil, nil
}

// findLong finds the option named name, or the one option whose name it
// begins.
func findLong(opts []option, name, cmd string) (*option, error) {
	name = strings.ReplaceAll(name, "_", "-")
	var match *option
	for i := range opts {
		switch {
		case opts[i].long == name:
			return &opts[i], nil
		case strings.HasPrefix(opts[i].long, name) && name != "":
			if match != nil && match.long != opts[i].long {
				return nil, usagef("option --%s is not a unique prefix", name)
			}
			match = &opts[i]
		}
	}
	if match == nil {
		if cmd == "" {
			return nil, usagef("option --%s not recognized (gotwistd takes only -n, --nodaemon, --pidfile, --help and --version before web)", name)
		}
		for _, opt := range twistdOptions {
			if opt.long == name && opt.param {
				return nil, usagef("--%s is an option of gotwistd itself: put it before web", name)
			}
		}
		return nil, usagef("%soption --%s not recognized", cmd, name)
	}
	return match, nil
}

func findShort(opts []option, c byte) *option {
	for i := range opts {
		if opts[i].short == c {
			return &opts[i]
		}
	}
	return nil
}

// apply sets the option, or refuses one gotwistd does not support.
func apply(opt *option, o *config, value string) error {
	if opt.gone != "" {
		return usagef("--%s is not supported: %s", opt.long, opt.gone)
	}
	return opt.set(o, value)
}

// check refuses combinations that make no sense.
func (o *config) check() error {
	if o.path == "" {
		for _, c := range []struct {
			set  bool
			name string
		}{
			{o.mimeTypeSet, "--mime-type"},
			{len(o.indexes) > 0, "--index"},
			{len(o.ignoreExts) > 0, "--ignore-ext (and --allow-ignore-ext)"},
			{o.followSymlinks, "--follow-symlinks"},
			{o.noListing, "--no-listing"},
		} {
			if c.set {
				return usagef("%s applies only to files: give --path too", c.name)
			}
		}
	}
	for _, e := range o.ignoreExts {
		if e != "*" && (e == "" || strings.ContainsAny(e, "/\\\x00")) {
			return usagef("--ignore-ext %q: want an extension such as .html", e)
		}
	}
	return nil
}

// endpoints returns the endpoint descriptions to serve on, in twistd's
// order: --listen, then --port, then --https with its key and certificate;
// tcp:8080 when none is given.
func (o *config) endpoints() []string {
	eps := append([]string(nil), o.listen...)
	if o.port != "" {
		eps = append(eps, o.port)
	}
	if o.https != "" {
		eps = append(eps, "ssl:port="+escapeEndpoint(o.https)+":privateKey="+escapeEndpoint(o.privkey)+
			":certKey="+escapeEndpoint(o.certificate))
	}
	if len(eps) == 0 {
		eps = append(eps, "tcp:8080")
	}
	return eps
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// printHelp writes the help of "gotwistd" (web false) or "gotwistd web",
// laid out as twistd's.
func printHelp(w io.Writer, web bool) {
	if !web {
		fmt.Fprint(w, "Usage: gotwistd [options] web [web options]\nOptions:\n")
		printOptions(w, twistdOptions)
		fmt.Fprint(w, "\ngotwistd serves a directory over HTTP, as twistd web does.\n"+
			"Commands:\n    web              A general-purpose web server which can serve from a\n"+
			"                     filesystem.\n")
		return
	}
	fmt.Fprint(w, "Usage: gotwistd [options] web [web options]\nOptions:\n")
	var supported, refused []option
	for _, opt := range webOptions {
		if opt.gone != "" {
			refused = append(refused, opt)
		} else {
			supported = append(supported, opt)
		}
	}
	printOptions(w, supported)
	fmt.Fprint(w, "\nOptions marked (gotwisted) are gotwistd's own; twistd has no such option.\n")
	fmt.Fprint(w, "\ntwistd web options that gotwistd refuses (docs/twistd-web.md says what to do\ninstead):\n")
	printOptions(w, refused)
	fmt.Fprint(w, "\nThis starts a webserver. Without --path it serves a demo page. SIGINT and\n"+
		"SIGTERM stop it gracefully; SIGHUP reopens the log file and reloads the TLS\n"+
		"certificates.\n")
}

// printOptions lists opts in twistd's layout: the names in a column of 22,
// the help wrapped to 79 columns, with the default in brackets.
func printOptions(w io.Writer, opts []option) {
	const width = 79
	opts = slices.Clone(opts)
	slices.SortFunc(opts, func(a, b option) int { return strings.Compare(a.long, b.long) })
	names := make([]string, len(opts))
	col := 0
	for i, opt := range opts {
		name := "      --" + opt.long
		if opt.short != 0 {
			name = "  -" + string(opt.short) + ", --" + opt.long
		}
		if opt.param {
			name += "="
		}
		names[i] = name
		col = max(col, len(name)+2)
	}
	col = min(col, 28)
	for i, opt := range opts {
		name := names[i]
		help := opt.help
		if opt.ours {
			help = "(gotwisted) " + help
		}
		if opt.def != "" {
			help += " [default: " + opt.def + "]"
		}
		line := name
		if len(line) >= col-1 {
			fmt.Fprintln(w, line)
			line = ""
		}
		for _, word := range strings.Fields(help) {
			if line != "" && len(line)+1+len(word) > width {
				fmt.Fprintln(w, line)
				line = ""
			}
			if len(line) < col {
				line += strings.Repeat(" ", col-len(line))
			} else {
				line += " "
			}
			line += word
		}
		fmt.Fprintln(w, line)
	}
}
