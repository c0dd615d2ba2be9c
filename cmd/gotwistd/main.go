// Command gotwistd serves a directory over HTTP and HTTPS from the shell,
// as Twisted's "twistd web" does, with the same options:
//
//	gotwistd web --path /srv/www --listen tcp:8080
//	gotwistd web --path /srv/www --listen ssl:8443:privateKey=key.pem:certKey=cert.pem --logfile access.log
//	gotwistd -n web --path . --port 8080        # a twistd line with one word changed
//
// It prints "listening on URL" for every endpoint, serves until SIGINT or
// SIGTERM (letting responses in flight finish), and on SIGHUP reopens the
// log file and reloads the TLS certificates. "gotwistd web --help" lists
// every option; docs/twistd-web.md maps each of twistd web's to its
// spelling here and shows how to move to a Go program when the command
// is not enough.
//
// Install it with
//
//	go install github.com/gotwisted/web/cmd/gotwistd@latest
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit status, 2 for a mistake on the
// command line and 1 for a failure to serve.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args)
	var uerr *usageError
	if errors.As(err, &uerr) {
		fmt.Fprintf(stderr, "gotwistd: %s\nRun 'gotwistd web --help' for the options.\n", err)
		return 2
	}
	switch {
	case cfg.help:
		printHelp(stdout, len(args) > 0 && contains(args, "web"))
		return 0
	case cfg.version:
		fmt.Fprintln(stdout, "gotwistd", version())
		return 0
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(cfg, logger, stdout); err != nil {
		var uerr *usageError
		if errors.As(err, &uerr) {
			fmt.Fprintf(stderr, "gotwistd: %s\nRun 'gotwistd web --help' for the options.\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "gotwistd: %s\n", err)
		return 1
	}
	return 0
}

// serve builds the Site the configuration describes and runs it until a
// signal stops it.
func serve(cfg *config, logger *slog.Logger, stdout io.Writer) error {
	for _, w := range cfg.warnings {
		logger.Warn(w)
	}
	var eps []*endpoint
	for _, desc := range cfg.endpoints() {
		ep, warnings, err := parseEndpoint(desc)
		if err != nil {
			return &usageError{err.Error()}
		}
		for _, w := range warnings {
			logger.Warn(w)
		}
		eps = append(eps, ep)
	}

	if cfg.pidfile != "" {
		if err := checkPidfile(cfg.pidfile); err != nil {
			return err
		}
	}

	root, closeRoot, err := makeRoot(cfg)
	if err != nil {
		return err
	}
	defer closeRoot()
	s := site.New(root)
	s.DisplayTracebacks = cfg.displayTracebacks
	s.Logger = logger
	s.ShutdownGrace = cfg.shutdownTimeout
	if cfg.maxBodySizeSet {
		s.MaxRequestBodySize = cfg.maxBodySize
		if cfg.maxBodySize == 0 {
			s.MaxRequestBodySize = -1 // zero would mean the default
		}
	}
	var log *logFile
	switch cfg.logfile {
	case "":
	case "-":
		s.AccessLog = stdout
	default:
		if log, err = openLog(cfg.logfile); err != nil {
			return fmt.Errorf("--logfile: %w", err)
		}
		defer log.Close()
		s.AccessLog = log
	}

	var listening []site.Endpoint
	for _, ep := range eps {
		l, err := ep.listen()
		if err != nil {
			for _, l := range listening {
				l.Listener.Close()
			}
			return err
		}
		listening = append(listening, l)
	}
	if cfg.pidfile != "" {
		if err := os.WriteFile(cfg.pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			for _, l := range listening {
				l.Listener.Close()
			}
			return fmt.Errorf("--pidfile: %w", err)
		}
		defer os.Remove(cfg.pidfile)
	}

	// SIGHUP: reopen the log, reload the certificates. Run handles
	// SIGINT and SIGTERM.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	reloaded := make(chan struct{})
	go func() {
		defer close(reloaded)
		for {
			select {
			case <-done:
				return
			case <-hup:
				reload(log, eps, logger)
			}
		}
	}()
	defer func() {
		signal.Stop(hup)
		close(done)
		<-reloaded
	}()
	return s.Run(listening...)
}

// reload reopens the log file and loads each endpoint's certificate
// again; what fails is logged, and the old file or certificate stays.
func reload(log *logFile, eps []*endpoint, logger *slog.Logger) {
	if log != nil {
		if err := log.Reopen(); err != nil {
			logger.Error("SIGHUP: reopening the log file", "err", err)
		}
	}
	for _, ep := range eps {
		if ep.certs == nil {
			continue
		}
		if err := ep.certs.load(); err != nil {
			logger.Error("SIGHUP: reloading the certificate; the old one stays", "endpoint", ep.desc, "err", err)
		}
	}
	logger.Info("SIGHUP: log file reopened, certificates reloaded")
}

// makeRoot returns the root resource: the file or directory of --path,
// else the demo page; then wrapped so that every response gets the
// --add-header headers. close releases the directory.
func makeRoot(cfg *config) (root resource.Resource, close func(), err error) {
	close = func() {}
	if cfg.path == "" {
		root = demo{}
	} else {
		abs, err := filepath.Abs(cfg.path)
		if err != nil {
			return nil, nil, err
		}
		f, err := static.NewFile(abs)
		if err != nil {
			return nil, nil, fmt.Errorf("--path: %w", err)
		}
		close = func() { f.Close() }
		if cfg.mimeTypeSet {
			f.DefaultType = cfg.mimeType
		}
		// twistd web's index names are static.File's and index.rpy: a
		// directory answered by a script is refused as the script is, not
		// listed.
		f.IndexNames = append(f.IndexNames, "index.rpy")
		if len(cfg.indexes) > 0 {
			f.IndexNames = cfg.indexes
		}
		f.IgnoredExts = cfg.ignoreExts
		f.FollowSymlinks = cfg.followSymlinks
		if cfg.noListing {
			f.Listing = static.NoListing
		}
		f.Processors = pathProcessors()
		root = f
		// A --path that names a script itself, or a link to one (whose
		// target NewFile resolved into f.Name()), is run, or refused, as it
		// would be below a directory: never sent as it is.
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			for _, name := range []string{f.Name(), abs} {
				if p := f.Processors[strings.ToLower(filepath.Ext(name))]; p != nil {
					if root, err = p(abs); err != nil {
						return nil, nil, err
					}
					break
				}
			}
		}
	}
	if len(cfg.headers) > 0 {
		root = &addHeaders{inner: root, headers: cfg.headers}
	}
	return root, close, nil
}

// pathProcessors returns the processors of twistd web's --path: .cgi files
// run as CGI scripts; .rpy and .epy files, which are Python, are refused
// rather than shown.
func pathProcessors() map[string]func(string) (resource.Resource, error) {
	return map[string]func(string) (resource.Resource, error){
		".cgi": func(path string) (resource.Resource, error) { return cgi.NewScript(path), nil },
		".rpy": refusePython,
		".epy": refusePython,
	}
}

func refusePython(string) (resource.Resource, error) {
	return resource.Forbidden("Python scripts (.rpy, .epy) are not run by gotwistd."), nil
}

// demo is the page served without --path, as twistd web serves
// twisted.web.demo's: every path gets it.
type demo struct{ resource.Leaf }

var demoPage = []byte(`<!DOCTYPE html>
<html>
<head><title>gotwistd demo</title></head>
<body>
<p>Hello! gotwistd is running. Give it <code>--path DIR</code> to serve a directory.</p>
</body>
</html>
`)

func (demo) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Type", "text/html; charset=utf-8")
	return demoPage, nil
}

// addHeaders adds fixed headers to every response of the tree below it,
// as twistd web's --add-header: it stands at the root, adds them when the
// first segment is looked up, and hands traversal on to the real root.
type addHeaders struct {
	inner   resource.Resource
	headers [][2]string
}

func (a *addHeaders) IsLeaf() bool { return false }

func (a *addHeaders) ChildWithDefault(name string, r *request.Request) resource.Resource {
	h := r.ResponseHeader()
	for _, kv := range a.headers {
		h.Add(kv[0], kv[1])
	}
	if a.inner.IsLeaf() {
		r.Unconsume()
		return a.inner
	}
	return a.inner.ChildWithDefault(name, r)
}

func (a *addHeaders) GetChild(name string, r *request.Request) (resource.Resource, error) {
	if g, ok := a.inner.(resource.ChildGetter); ok {
		return g.GetChild(name, r)
	}
	return nil, nil
}

func (a *addHeaders) PutChild(name string, child resource.Resource) { a.inner.PutChild(name, child) }

func (a *addHeaders) Render(r *request.Request) ([]byte, error) { return resource.Render(a.inner, r) }

// version returns the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
