package xmlrpc

import (
	"bytes"
	"errors"
	"io"
	"strings"
)

// A source is a body as encoding/xml's tokenizer reads it, a byte at a
// time, with the markup XML-RPC has no use for taken out before the
// tokenizer can allocate for it. The tokenizer makes a slice entry and
// strings for every attribute of an element, and a namespace binding for
// every xmlns attribute, before it returns the element; it makes a token
// for every comment and processing instruction. So a source:
//
//   - skips attributes unread (checking only that each is a name, "=" and
//     a quoted value without "<"), as Python's parser reads past them: no
//     XML-RPC element carries any;
//   - skips comments, and processing instructions other than the first
//     XML declaration;
//   - passes on one directive (the DOCTYPE), and refuses a second.
//
// What it passes on is checked by the tokenizer as before. It costs no
// allocation per byte, attribute or comment.
type source struct {
	b     []byte
	i     int  // the next byte to read
	raw   int  // b[i:raw] passes as it is: a CDATA section, an end tag, the declaration
	state int  // where b[i] is: inContent, inName or inTag
	decl  bool // the XML declaration was passed on
	dtd   bool // a directive was passed on
	// opaque: a directive is being read; everything passes until the
	// tokenizer returns it, and the decoder calls directiveDone.
	opaque bool
	// limit, if not zero, is how many more bytes may pass before ReadByte
	// fails with errTooLong; passed counts them.
	limit, passed int
}

const (
	inContent = iota // between tags
	inName           // in a start tag's name
	inTag            // in a start tag, after its name
)

var (
	errAttribute = errors.New("malformed attribute")
	errComment   = errors.New(`unterminated comment, or "--" in one`)
	errProcInst  = errors.New("unterminated processing instruction")
	errDirective = errors.New("a second DOCTYPE or directive")
	errTooLong   = errors.New("text too long")
)

// ReadByte returns the next byte the tokenizer is to see.
func (s *source) ReadByte() (byte, error) {
	if s.limit > 0 {
		if s.passed >= s.limit {
			return 0, errTooLong
		}
		s.passed++
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		if s.i < s.raw || s.opaque {
			s.i++
			return c, nil
		}
		switch s.state {
		case inName:
			switch c {
			case '>':
				s.state = inContent
			case ' ', '\t', '\r', '\n', '/':
				s.state = inTag
			}
		case inTag:
			switch c {
			case '>':
				s.state = inContent
			case ' ', '\t', '\r', '\n', '/':
			default:
				if err := s.skipAttribute(); err != nil {
					return 0, err
				}
				continue
			}
		default:
			if c == '<' {
				skip, err := s.markup()
				if err != nil {
					return 0, err
				}
				if skip {
					continue
				}
			}
		}
		s.i++
		return c, nil
	}
	return 0, io.EOF
}

// Read returns the bytes left as they are; encoding/xml asks for an
// io.Reader when it hands the source to CharsetReader, which does not use
// it.
func (s *source) Read(p []byte) (int, error) {
	if s.i >= len(s.b) {
		return 0, io.EOF
	}
	n := copy(p, s.b[s.i:])
	s.i += n
	return n, nil
}

// directiveDone is called after every token: a directive the tokenizer
// was reading has been read.
func (s *source) directiveDone() { s.opaque = false }

// markup looks at the markup that starts at b[i], a "<" between tags. It
// reports whether it skipped it; if not, b[i] is passed on.
func (s *source) markup() (skipped bool, err error) {
	rest := s.b[s.i+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("!--")):
		n := bytes.Index(rest[3:], []byte("-->"))
		if n < 0 {
			return false, errComment
		}
		text := rest[3 : 3+n]
		if bytes.Contains(text, []byte("--")) || bytes.HasSuffix(text, []byte("-")) {
			return false, errComment
		}
		s.i += 1 + 3 + n + 3
		return true, nil
	case bytes.HasPrefix(rest, []byte("![CDATA[")):
		s.passTo(rest, "]]>")
	case bytes.HasPrefix(rest, []byte("!")):
		if s.dtd {
			return false, errDirective
		}
		s.dtd, s.opaque = true, true
	case bytes.HasPrefix(rest, []byte("?")):
		n := bytes.Index(rest[1:], []byte("?>"))
		if n < 0 {
			return false, errProcInst
		}
		target := rest[1 : 1+n]
		if k := bytes.IndexAny(target, " \t\r\n"); k >= 0 {
			target = target[:k]
		}
		if string(target) != "xml" || s.decl {
			s.i += 1 + 1 + n + 2
			return true, nil
		}
		s.decl = true
		s.passTo(rest, "?>")
	case bytes.HasPrefix(rest, []byte("/")):
		s.passTo(rest, ">")
	default:
		s.state = inName
	}
	return false, nil
}

// passTo lets the bytes from b[i] to the end of the first end in rest
// (which starts at b[i+1]) pass as they are, or all the bytes left if
// there is none.
func (s *source) passTo(rest []byte, end string) {
	n := bytes.Index(rest, []byte(end))
	if n < 0 {
		s.raw = len(s.b)
		return
	}
	s.raw = s.i + 1 + n + len(end)
}

// skipAttribute skips the attribute that starts at b[i].
func (s *source) skipAttribute() error {
	b, j := s.b, s.i
	for j < len(b) && !isSpace(b[j]) && strings.IndexByte(`=>/<'"`, b[j]) < 0 {
		j++
	}
	if j == s.i {
		return errAttribute
	}
	j = skipSpace(b, j)
	if j == len(b) || b[j] != '=' {
		return errAttribute
	}
	j = skipSpace(b, j+1)
	if j == len(b) || (b[j] != '"' && b[j] != '\'') {
		return errAttribute
	}
	n := bytes.IndexByte(b[j+1:], b[j])
	if n < 0 || bytes.IndexByte(b[j+1:j+1+n], '<') >= 0 {
		return errAttribute
	}
	s.i = j + 1 + n + 1
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, j int) int {
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	return j
}
