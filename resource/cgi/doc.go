// Package cgi runs CGI scripts (RFC 3875) as resources, as Twisted's
// twisted.web.twcgi does.
//
// A [Script] runs one executable file for every request at its path or
// below it; a [FilteredScript] runs a file through an interpreter, as
// Twisted's FilteredScript and PHPScript do; a [Directory] maps each path
// segment to a script, or a subdirectory, of a directory on disk, as
// CGIDirectory does:
//
//	root.PutChild("hello.cgi", cgi.NewScript("/srv/cgi/hello.cgi"))
//	root.PutChild("app.py", cgi.NewFilteredScript("/srv/app/app.py", "/usr/bin/python3"))
//	bin, err := cgi.NewDirectory("/srv/cgi-bin")
//	if err != nil {
//		log.Fatal(err)
//	}
//	root.PutChild("cgi-bin", bin) // GET /cgi-bin/sub/x.cgi/a runs sub/x.cgi
//
// # The environment
//
// A script runs in its own directory with its file name as its first
// argument, the request body on its standard input and the variables of
// RFC 3875 in its environment, set as Twisted sets them: SCRIPT_NAME is
// "/" and the request's prepath joined with "/" (each segment decoded);
// PATH_INFO is "/" and the postpath joined with "/", set only when the
// postpath is not empty, so "/cgi" leaves it unset and "/cgi/" makes it
// "/"; QUERY_STRING is the query as sent; CONTENT_LENGTH is always set;
// each request header Name-X is HTTP_NAME_X, its lines joined with ", "
// ("; " for Cookie). A query without "=" is also passed as command-line
// arguments, split on "+" and decoded (RFC 3875 §4.4). Of the server's own
// environment, a script gets only PATH and the dynamic loader's path (the
// rule of net/http/cgi), plus the variables named in Options.InheritEnv;
// Options.Env adds more. docs/cgi.md lists every variable.
//
// A request body is read in full before the script starts, bounded by the
// Site's MaxRequestBodySize (413 beyond it); beyond the Site's
// SpoolThreshold it waits in a temporary file, not in memory.
//
// # The response
//
// The script writes a header block, an empty line, then the body, which
// is streamed to the client as it comes. Status sets the status code;
// Location without Status gives 302 Found, and is sent to the client
// whatever it holds (a local path is not served in place, as Twisted
// does it); the other fields are sent as they are, except Server and Date,
// which the server sets, and the hop-by-hop fields. A script that sends
// no Content-Type gets none.
//
// # Failures and the kill rule
//
// Every script runs as the leader of a new process group. When its run
// ends for any reason the whole group is killed, so that no process it
// started outlives the request (one that must, leaves the group with
// setsid). In particular the group is killed when Options.Timeout passes
// (60 seconds by default), when the client goes away, and when the Site
// closes its connections (Site.Close; Site.Shutdown once its grace period
// is over).
//
// A script that fails before the end of its header block gets the
// framework's error page: 502 Bad Gateway when it exits, dies, or writes
// a header block that does not parse or is longer than
// Options.MaxHeaderBytes; 504 Gateway Timeout when the timeout passes. A
// script that fails after its headers went out has its connection closed,
// so that the client does not take a truncated body for a whole one; one
// that exits with an error after its whole output is logged, and its
// response stands. A script that cannot be started gives 500. What a
// script writes to its standard error is logged through the request's
// Logger, its last Options.MaxStderrBytes bytes.
package cgi
