package static

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/gotwisted/web/request"
)

// serveFile sends the open regular file f serves through
// http.ServeContent; the response ends when the render method returns.
func (f *File) serveFile(r *request.Request, file *os.File, fi os.FileInfo) {
	ctype, enc := f.typeAndEncoding(f.name)
	r.SetHeader("Content-Type", ctype)
	hr := r.HTTPRequest()
	if hr.Method == http.MethodHead {
		// Range is defined for GET only (RFC 9110 §14.2): HEAD answers
		// with the whole file's headers, as Twisted does.
		delete(hr.Header, "Range")
	} else {
		cleanRangeHeader(hr.Header, fi.Size(), f.MaxRanges)
	}
	w := r.ResponseWriter()
	if enc != "" {
		w = encodingWriter{w, enc}
	}
	http.ServeContent(w, hr, "", fi.ModTime(), &sizedFile{f: file, size: fi.Size()})
}

// sizedFile is an open file as http.ServeContent reads it: a ReadSeeker
// that knows its size from the Stat already made, so that ServeContent's
// seeks to the end and back, which is how it learns the size, cost no
// system call (two lseek calls per response otherwise); it reads with
// pread at its own offset.
type sizedFile struct {
	f         *os.File
	size, off int64
}

func (s *sizedFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return s.off, errBadWhence
	}
	if offset < 0 {
		return s.off, errNegativeOffset
	}
	s.off = offset
	return offset, nil
}

func (s *sizedFile) Read(p []byte) (int, error) {
	n, err := s.f.ReadAt(p, s.off)
	s.off += int64(n)
	return n, err
}

var (
	errBadWhence      = errors.New("static: Seek: invalid whence")
	errNegativeOffset = errors.New("static: Seek: negative position")
)

// typeAndEncoding returns the Content-Type and Content-Encoding of the file
// name as f serves it, as Twisted's getTypeAndEncoding: an extension in
// ContentEncodings gives the encoding, and the type is then that of the
// extension before it ("a.txt.gz": text/plain, gzip); the type is looked
// up in ContentTypes, then the mime package, else it is DefaultType.
func (f *File) typeAndEncoding(name string) (ctype, enc string) {
	base := path.Base(name)
	ext := path.Ext(base)
	if len(f.ContentEncodings) > 0 {
		if e, ok := f.ContentEncodings[strings.ToLower(ext)]; ok {
			enc = e
			ext = path.Ext(base[:len(base)-len(ext)])
		}
	}
	if ext != "" {
		if len(f.ContentTypes) > 0 {
			ctype = f.ContentTypes[strings.ToLower(ext)]
		}
		if ctype == "" {
			ctype = mime.TypeByExtension(ext)
		}
	}
	if ctype == "" {
		ctype = f.DefaultType
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
