package request

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
)

// File is a file sent in a multipart/form-data body: a part with a
// filename. Its content is not copied: it stays in the body, in memory or
// in the body's temporary file (see Request.ContentReader), and may be read
// until the response ends.
type File struct {
	// Name is the name of the form field the file was sent as.
	Name string
	// Filename is the name the client gave the file, without any
	// directory (RFC 7578 §4.2 says not to use one): filepath.Base of
	// the filename parameter.
	Filename string
	// Header holds the part's headers, such as its Content-Type.
	Header textproto.MIMEHeader
	// Size is the length of the content in bytes.
	Size int64

	body *bodyStore
	off  int64 // where the content starts in the body
}

// Open returns a new reader of the file's content, from its start.
func (f *File) Open() *io.SectionReader { return io.NewSectionReader(f.body, f.off, f.Size) }

// part is one part of a multipart body: its headers and where its content
// lies in the body.
type part struct {
	header    textproto.MIMEHeader
	off, size int64
}

// maxBoundary is the longest boundary taken; RFC 2046 allows 70 bytes.
const maxBoundary = 1000

// parseMultipart reads the parts of a multipart/form-data body: the values
// it keeps in memory, by name, the last part of a name winning, and its
// files, by name, in order.
func (r *Request) parseMultipart(s *bodyStore, boundary string) (map[string][]string, map[string][]*File, error) {
	parts, err := readParts(io.NewSectionReader(s, 0, s.size), s.size, boundary,
		limit(r.cfg.MaxMultipartParts, DefaultMaxMultipartParts))
	if err != nil {
		return nil, nil, err
	}
	memory := limit(r.cfg.MaxFormMemory, DefaultMaxFormMemory)
	threshold := limit(r.cfg.SpoolThreshold, DefaultSpoolThreshold)
	names := make([]string, len(parts)) // "" for a part left out of the form
	var files []File
	var kept int64
	var named int
	for i, p := range parts {
		name, fn := formDisposition(p.header.Get("Content-Disposition"))
		if name == "" {
			continue
		}
		if fn != "" {
			files = append(files, File{Name: name, Filename: filepath.Base(fn), Header: p.header, Size: p.size, body: s, off: p.off})
			if p.size > threshold || kept+p.size > memory {
				continue // in Files only
			}
		} else if kept+p.size > memory {
			return nil, nil, &StatusError{http.StatusRequestEntityTooLarge, ErrBodyTooLarge}
		}
		names[i] = name
		kept += p.size
		named++
	}

	// The values kept share one string, read from the body in one go.
	var b strings.Builder
	b.Grow(int(kept))
	var scratch []byte
	for i, p := range parts {
		if names[i] == "" {
			continue
		}
		if s.file == nil {
			b.Write(s.mem[p.off : p.off+p.size])
			continue
		}
		if scratch == nil {
			scratch = make([]byte, min(kept, 32<<10))
		}
		if _, err := io.CopyBuffer(&b, io.NewSectionReader(s, p.off, p.size), scratch); err != nil {
			return nil, nil, fmt.Errorf("request: reading the spooled body: %w", err)
		}
	}
	all := b.String()
	values := make([]string, len(parts)) // one slot per part: form values point into it
	form := make(map[string][]string, named)
	var at int64
	for i, p := range parts {
		if names[i] == "" {
			continue
		}
		values[i] = all[at : at+p.size]
		at += p.size
		form[names[i]] = values[i : i+1 : i+1]
	}
	var byName map[string][]*File
	if len(files) > 0 {
		byName = make(map[string][]*File)
		for i := range files {
			byName[files[i].Name] = append(byName[files[i].Name], &files[i])
		}
	}
	return form, byName, nil
}

// formDisposition returns the name and filename parameters of a part's
// Content-Disposition if it is form-data, as mime/multipart's Part does.
func formDisposition(v string) (name, filename string) {
	if name, filename, ok := quickDisposition(v); ok {
		return name, filename
	}
	disposition, params, err := mime.ParseMediaType(v)
	if err != nil || disposition != "form-data" {
		return "", ""
	}
	return params["name"], params["filename"]
}

// quickDisposition reads the Content-Disposition every browser sends,
// `form-data; name="..."` and perhaps `; filename="..."`, without
// allocating; ok is false for anything else, left to mime.ParseMediaType.
// What it reads, it reads as ParseMediaType does.
func quickDisposition(v string) (name, filename string, ok bool) {
	const fd = "form-data"
	if len(v) < len(fd) || !strings.EqualFold(v[:len(fd)], fd) {
		return "", "", false
	}
	var haveName, haveFilename bool
	for rest := v[len(fd):]; ; {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return name, filename, true
		}
		if rest[0] != ';' {
			return "", "", false
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		var value *string
		switch {
		case strings.HasPrefix(rest, `name="`) && !haveName:
			value, haveName, rest = &name, true, rest[len(`name="`):]
		case strings.HasPrefix(rest, `filename="`) && !haveFilename:
			value, haveFilename, rest = &filename, true, rest[len(`filename="`):]
		default:
			return "", "", false
		}
		// A plain quoted string: no escapes, no line breaks.
		end := strings.IndexAny(rest, "\"\\\r\n")
		if end < 0 || rest[end] != '"' {
			return "", "", false
		}
		*value, rest = rest[:end], rest[end+1:]
	}
}

// readParts finds the parts of a multipart body of size bytes read from
// src, separated by boundary, as mime/multipart's Reader does: lines before
// the first delimiter are skipped, lines may end in LF alone if the first
// delimiter's does, and a part's content ends at the line break before the
// next delimiter. Unlike that Reader it does not decode a
// Content-Transfer-Encoding, which RFC 7578 §4.7 deprecates for forms. It
// reads at most maxParts parts, with at most headersPerPart header lines
// per part allowed, counted over all of them; its memory is a buffer of at
// most 64 KiB and the headers.
func readParts(src io.Reader, size int64, boundary string, maxParts int64) ([]part, error) {
	if boundary == "" || len(boundary) > maxBoundary {
		return nil, malformed(errors.New("multipart: bad boundary"))
	}
	c := &countingReader{r: src}
	// The whole body, or 64 KiB: much more than a boundary.
	br := bufio.NewReaderSize(c, int(min(size+1, 64<<10)))
	m := &mpScanner{
		br:     br,
		tp:     textproto.NewReader(br),
		pos:    c,
		nl:     "\r\n",
		delims: []byte("\r\n--" + boundary + "--"),
	}
	headersLeft := int64(noLimit)
	if maxParts < noLimit/headersPerPart {
		headersLeft = maxParts * headersPerPart
	}
	var parts []part
	for {
		ok, err := m.nextPart(len(parts) == 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return parts, nil
		}
		if int64(len(parts)) >= maxParts {
			return nil, &StatusError{http.StatusRequestEntityTooLarge, ErrTooManyFields}
		}
		h, err := m.header(&headersLeft)
		if err != nil {
			return nil, err
		}
		off := m.offset()
		n, err := m.content()
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{header: h, off: off, size: n})
	}
}

// malformed is the error for a body that does not parse.
func malformed(err error) error {
	return &StatusError{http.StatusBadRequest, fmt.Errorf("%w: %w", ErrMalformedBody, err)}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// mpScanner walks a multipart body.
type mpScanner struct {
	br     *bufio.Reader
	tp     *textproto.Reader // reads the part headers from br
	pos    *countingReader   // what br has read
	nl     string            // the line break: "\r\n", or "\n" after a first delimiter line in LF
	delims []byte            // "\r\n--boundary--": the pieces below are slices of it
}

// offset returns the position in the body of br's next byte.
func (m *mpScanner) offset() int64 { return m.pos.n - int64(m.br.Buffered()) }

func (m *mpScanner) dashBoundary() []byte     { return m.delims[2 : len(m.delims)-2] }
func (m *mpScanner) dashBoundaryDash() []byte { return m.delims[2:] }

// nlDashBoundary is the line break and "--boundary": what ends a content.
func (m *mpScanner) nlDashBoundary() []byte {
	return m.delims[2-len(m.nl) : len(m.delims)-2]
}

// nextPart reads lines up to the next delimiter line and reports true, or
// up to the close delimiter and reports false. first says that no part
// was read yet: lines before the first delimiter are skipped.
func (m *mpScanner) nextPart(first bool) (bool, error) {
	afterBreak := false // the line break that ends a content was read
	for {
		line, err := m.br.ReadSlice('\n')
		if err == io.EOF && m.isClose(line) {
			return false, nil // "--boundary--" at the very end, without a line break
		}
		if err != nil {
			return false, malformed(fmt.Errorf("multipart: looking for a part: %w", err))
		}
		switch {
		case m.isDelimiter(line, first):
			return true, nil
		case m.isClose(line):
			return false, nil
		case afterBreak:
			return false, malformed(fmt.Errorf("multipart: want a delimiter line, got %q", line))
		case first:
			// The preamble: skipped.
		case string(line) == m.nl:
			afterBreak = true
		default:
			return false, malformed(fmt.Errorf("multipart: unexpected line %q", line))
		}
	}
}

// isDelimiter reports whether line is "--boundary", optional spaces and
// tabs, and the line break. On the first delimiter a line ending in LF
// alone sets the line break to LF.
func (m *mpScanner) isDelimiter(line []byte, first bool) bool {
	rest, ok := bytes.CutPrefix(line, m.dashBoundary())
	if !ok {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t")
	if first && string(rest) == "\n" {
		m.nl = "\n"
	}
	return string(rest) == m.nl
}

// isClose reports whether line is "--boundary--", optional spaces and
// tabs, and the line break or nothing.
func (m *mpScanner) isClose(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, m.dashBoundaryDash())
	if !ok {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t")
	return len(rest) == 0 || string(rest) == m.nl
}

// header reads a part's header block, counting its lines off *left.
func (m *mpScanner) header(left *int64) (textproto.MIMEHeader, error) {
	// Find the block's end (an empty line) in br's buffer first, so that
	// the block is bounded and its lines are counted before they cost
	// anything.
	var lines int64
	for at := 0; ; {
		buf, _ := m.br.Peek(m.br.Buffered())
		i := bytes.IndexByte(buf[at:], '\n')
		if i < 0 {
			if len(buf) == m.br.Size() {
				return nil, malformed(errors.New("multipart: part header too long"))
			}
			if _, err := m.br.Peek(len(buf) + 1); err != nil {
				return nil, malformed(fmt.Errorf("multipart: reading a part header: %w", err))
			}
			continue
		}
		line := buf[at : at+i+1]
		if string(line) == "\n" || string(line) == "\r\n" {
			break
		}
		if lines++; lines > *left {
			return nil, &StatusError{http.StatusRequestEntityTooLarge, ErrTooManyFields}
		}
		at += i + 1
	}
	*left -= lines
	h, err := m.tp.ReadMIMEHeader()
	if err != nil {
		return nil, malformed(fmt.Errorf("multipart: reading a part header: %w", err))
	}
	return h, nil
}

// content reads a part's content up to the line break before the next
// delimiter (or up to a delimiter at its very start: an empty content),
// and returns its length.
func (m *mpScanner) content() (int64, error) {
	var n int64
	var eof error // the read error, once br has seen it
	for {
		buf, _ := m.br.Peek(m.br.Buffered())
		keep, end := m.scan(buf, n == 0, eof != nil)
		m.br.Discard(keep)
		n += int64(keep)
		switch {
		case end:
			return n, nil
		case keep > 0:
		case eof != nil:
			return 0, malformed(fmt.Errorf("multipart: part without an end: %w", eof))
		default:
			_, eof = m.br.Peek(len(buf) + 1) // read more
		}
	}
}

// scan looks in buf, the bytes of a content from its start (atStart) or
// further, for the delimiter that ends it. It returns how many bytes of
// buf belong to the content for sure, and whether the delimiter follows
// them. It may return 0 and false: it needs more bytes (or, at EOF, the
// content has no end).
func (m *mpScanner) scan(buf []byte, atStart, atEOF bool) (int, bool) {
	if atStart {
		if dash := m.dashBoundary(); bytes.HasPrefix(buf, dash) {
			switch delimiterAt(buf, len(dash), atEOF) {
			case yes:
				return 0, true
			case no:
				return len(dash), false
			}
			return 0, false
		} else if bytes.HasPrefix(dash, buf) {
			return 0, false
		}
	}
	nlDash := m.nlDashBoundary()
	if i := bytes.Index(buf, nlDash); i >= 0 {
		switch delimiterAt(buf[i:], len(nlDash), atEOF) {
		case yes:
			return i, true
		case no:
			return i + len(nlDash), false
		}
		return i, false
	}
	// What may be the start of a delimiter cut off by the end of buf stays.
	if i := bytes.LastIndexByte(buf, nlDash[0]); i >= 0 && bytes.HasPrefix(nlDash, buf[i:]) {
		return i, false
	}
	return len(buf), false
}

type answer int8

const (
	no answer = iota
	yes
	maybe // more bytes are needed
)

// delimiterAt says whether buf, which starts with a (line break and)
// "--boundary" n bytes long, starts a delimiter: the boundary must be
// followed by "--", a space, a tab, a line break or the end of the body,
// so that "--foobar" is no delimiter of "foo".
func delimiterAt(buf []byte, n int, atEOF bool) answer {
	switch {
	case len(buf) == n && atEOF:
		return yes
	case len(buf) == n:
		return maybe
	}
	switch buf[n] {
	case ' ', '\t', '\r', '\n':
		return yes
	case '-':
		switch {
		case len(buf) > n+1 && buf[n+1] == '-':
			return yes
		case len(buf) == n+1 && !atEOF:
			return maybe
		}
	}
	return no
}
