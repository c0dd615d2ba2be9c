// Package static serves files and fixed bytes (Twisted's twisted.web.static).
//
// [File] serves a directory tree, or one file, from the file system:
//
//	files, err := static.NewFile("/var/www")
//	if err != nil {
//		log.Fatal(err)
//	}
//	root := resource.New()
//	root.PutChild("files", files)
//
// GET /files/a/b.txt then serves /var/www/a/b.txt, GET /files/a/ serves
// the first of /var/www/a/index, index.html and index.htm that exists or
// else lists the directory, and GET /files/a redirects to /files/a/.
//
// # Settings
//
// A File has the settings of Twisted's, as fields set before serving and
// passed down to the Files below it: DefaultType, ContentTypes and
// ContentEncodings (the Content-Type and Content-Encoding by extension, per
// File rather than process-wide), IndexNames, IgnoredExts (/about finds
// about.html), Processors (an extension's files served by a resource made
// from them, as Twisted runs .rpy and .cgi files), Listing (a directory
// listing of your own, or [NoListing] for none), the NotFound and
// Forbidden pages, and FollowSymlinks:
//
//	files.IgnoredExts = []string{".html"}
//	files.Listing = static.NoListing
//	files.Processors = map[string]func(string) (resource.Resource, error){
//		".cgi": func(path string) (resource.Resource, error) { return cgi.NewScript(path), nil },
//	}
//
// # Security
//
// A File opens everything through an [os.Root] opened on its directory, so
// that neither a ".." segment, nor an encoded one, nor a symbolic link that
// points elsewhere can reach a file outside that directory. Segments that
// could not name a file of the directory ("..", names holding "/", "\" or
// NUL, names that are not UTF-8) get 404 before the file system is asked;
// "." names the directory it is in, as Twisted's does. A symbolic link that
// stays inside the directory is followed; one that leads out of it is
// followed only when the File's FollowSymlinks is set. Traversal
// stops at the first segment that names no file, as Twisted's does, so a
// path of thousands of segments costs no more than a short one.
//
// # Responses
//
// Files are sent with [net/http.ServeContent], so byte ranges (single,
// suffix, open-ended and multipart), If-Modified-Since, If-Range and
// If-Unmodified-Since behave as in the standard library, with Twisted's
// rules on top: HEAD ignores Range and answers 200 (RFC 9110 §14.2 defines
// ranges for GET only); a Range header that does not parse, names a unit
// other than bytes, or holds a range whose start is after its end is
// ignored (RFC 9110 §14.2), and the whole file is sent with 200. Ranges
// that overlap or touch are merged into one, and a header that names more
// than [File.MaxRanges] ranges (16 by default) is ignored too, so that no
// Range header makes a response larger than the file and a few part
// headers.
//
// [Data] serves a fixed body with a fixed Content-Type.
package static
