package static

import (
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/gotwisted/web/request"
)

// serveFile sends the open regular file through http.ServeContent; the
// response ends when the render method returns.
func serveFile(r *request.Request, file *os.File, fi os.FileInfo, name, defaultType string) {
	ctype, enc := typeAndEncoding(name, defaultType)
	r.SetHeader("Content-Type", ctype)
	hr := r.HTTPRequest()
	if v, ok := hr.Header["Range"]; ok {
		if len(v) == 1 {
			if norm, ok := cleanRange(v[0]); ok {
				v[0] = norm
			} else {
				delete(hr.Header, "Range")
			}
		} else {
			delete(hr.Header, "Range")
		}
	}
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

// cleanRange checks a Range header as Twisted reads one and rewrites it in
// the form http.ServeContent expects. ok is false when the header must be
// ignored: a unit other than bytes, an element that is not "a-b", "a-" or
// "-n" with decimal digits, a range whose start is after its end, or no
// range at all. Numbers too large for ServeContent are rewritten to what
// they mean: an end past any file is an open end, a start past any file (or
// a suffix of zero bytes, which no file can satisfy) is a start ServeContent
// counts as past the end of the file, so that it answers 416 when no other
// range is left, where it would otherwise refuse the header or send an
// empty range.
func cleanRange(h string) (string, bool) {
	unit, set, ok := strings.Cut(h, "=")
	if !ok || strings.TrimSpace(unit) != "bytes" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(h))
	b.WriteString("bytes=")
	n := 0
	for elem := range strings.SplitSeq(set, ",") {
		elem = strings.TrimSpace(elem)
		if elem == "" {
			continue
		}
		first, last, ok := strings.Cut(elem, "-")
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if !ok || first == "" && !digits(last) || first != "" && !digits(first) || last != "" && !digits(last) {
			return "", false
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		_, errA := strconv.ParseInt(first, 10, 64)
		z, errZ := strconv.ParseInt(last, 10, 64)
		switch {
		case first == "" && errZ == nil && z == 0:
			b.WriteString(pastAnyFile)
		case first == "":
			b.WriteByte('-')
			if errZ != nil {
				b.WriteString(pastAnyFile[:len(pastAnyFile)-1])
			} else {
				b.WriteString(last)
			}
		case last != "" && compareDigits(first, last) > 0:
			return "", false
		case errA != nil:
			b.WriteString(pastAnyFile)
		case last == "" || errZ != nil:
			b.WriteString(first)
			b.WriteByte('-')
		default:
			b.WriteString(first)
			b.WriteByte('-')
			b.WriteString(last)
		}
	}
	if n == 0 {
		return "", false
	}
	return b.String(), true
}

// pastAnyFile is a range that starts after the end of any file.
const pastAnyFile = "9223372036854775807-"

// compareDigits compares two runs of decimal digits as the numbers they
// write, however long: -1, 0 or +1.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// digits reports whether s is a non-empty run of ASCII decimal digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
