package static

import (
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/gotwisted/web/request"
)

// serveFile sends the open regular file through http.ServeContent; the
// response ends when the render method returns.
func serveFile(r *request.Request, file *os.File, fi os.FileInfo, name, defaultType string, maxRanges int) {
	ctype, enc := typeAndEncoding(name, defaultType)
	r.SetHeader("Content-Type", ctype)
	hr := r.HTTPRequest()
	cleanRangeHeader(hr.Header, fi.Size(), maxRanges)
	w := r.ResponseWriter()
	if enc != "" {
		w = encodingWriter{w, enc}
	}
	http.ServeContent(w, hr, "", fi.ModTime(), file)
}

// encodings maps the extensions of compressed files to their
// Content-Encoding, as Twisted's File.contentEncodings.
var encodings = map[string]string{".gz": "gzip", ".bz2": "bzip2"}

// typeAndEncoding returns the Content-Type and Content-Encoding of the file
// name: a known compression extension gives the encoding and the type is
// that of the extension before it ("a.txt.gz": text/plain, gzip); the type
// of an extension mime does not know is defaultType.
func typeAndEncoding(name, defaultType string) (ctype, enc string) {
	base := path.Base(name)
	ext := path.Ext(base)
	if e, ok := encodings[strings.ToLower(ext)]; ok {
		enc = e
		ext = path.Ext(base[:len(base)-len(ext)])
	}
	if ext != "" {
		ctype = mime.TypeByExtension(ext)
	}
	if ctype == "" {
		ctype = defaultType
	}
	return ctype, enc
}

// encodingWriter is the Request's ResponseWriter with one rule of a
// static file's: it adds the file's Content-Encoding to full and
// single-range responses only once http.ServeContent has set their
// Content-Length, which ServeContent leaves out when it sees a
// Content-Encoding.
type encodingWriter struct {
	http.ResponseWriter
	enc string
}

func (w encodingWriter) WriteHeader(code int) {
	h := w.Header()
	if code == http.StatusOK || code == http.StatusPartialContent && h.Get("Content-Range") != "" {
		h.Set("Content-Encoding", w.enc)
	}
	w.ResponseWriter.WriteHeader(code)
}

// ReadFrom keeps the Request writer's pooled copy (io.Copy would allocate a
// buffer for every file).
func (w encodingWriter) ReadFrom(src io.Reader) (int64, error) {
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(src)
}
