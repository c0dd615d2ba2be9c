package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxDepth is how deeply arrays and structs may nest in a call or a
// result when Resource.MaxDepth is zero.
const DefaultMaxDepth = 100

// errTooDeep is the error for values nested deeper than the limit; the
// depth is in the message.
type errTooDeep int

func (e errTooDeep) Error() string {
	return fmt.Sprintf("values nested deeper than %d", int(e))
}

// DefaultMaxValues is how many values a call may hold when
// Resource.MaxValues is zero.
const DefaultMaxValues = 20_000

// errTooMany is the error for a call holding more values than the limit,
// which is in the message.
type errTooMany int

func (e errTooMany) Error() string {
	return fmt.Sprintf("more than %d values", int(e))
}

// decodeOptions are a Resource's settings for reading a call.
type decodeOptions struct {
	useDateTime bool
	maxDepth    int // zero: DefaultMaxDepth
	maxValues   int // zero: DefaultMaxValues; negative: no limit
}

// A decoder reads one methodCall (or, in tests, a methodResponse) from a
// body with encoding/xml's tokenizer, which checks that the document is
// well formed (end tags match, no undefined entity). It reads the body
// through a source, which takes out attributes, comments and processing
// instructions unread; encoding/xml expands no entity a DOCTYPE defines,
// so nothing in a body can grow.
type decoder struct {
	x           *xml.Decoder
	src         *source
	useDateTime bool
	maxDepth    int
	maxValues   int
	values      int // values still allowed; negative: no limit
}

// byteOrderMark is UTF-8's encoding of U+FEFF, which may begin a UTF-8
// document (XML 1.0 §4.3.3); Python's parser skips it, and some clients
// send it.
const byteOrderMark = "\xef\xbb\xbf"

func newDecoder(body []byte, o decodeOptions) *decoder {
	body = bytes.TrimPrefix(body, []byte(byteOrderMark)) // encoding/xml reads it as text
	d := &decoder{src: &source{b: body}, useDateTime: o.useDateTime, maxDepth: o.maxDepth, maxValues: o.maxValues}
	if d.maxDepth <= 0 {
		d.maxDepth = DefaultMaxDepth
	}
	if d.maxValues == 0 {
		d.maxValues = DefaultMaxValues
	}
	d.values = d.maxValues
	d.x = xml.NewDecoder(d.src)
	d.x.CharsetReader = d.charsetReader
	return d
}

// decodeCall parses a methodCall document: the method's name and its
// parameters, each as decodeValue describes. found, if not nil, is called
// with the method's name as soon as it is read; an error from it is
// returned at once, before any parameter is read.
func decodeCall(body []byte, o decodeOptions, found func(method string) error) (method string, params []any, err error) {
	d := newDecoder(body, o)
	if err := d.root("methodCall"); err != nil {
		return "", nil, err
	}
	named := false
	for {
		name, end, err := d.element()
		if err != nil {
			return "", nil, err
		}
		if end {
			break
		}
		switch name {
		case "methodName":
			if method, err = d.text(name); err != nil {
				return "", nil, err
			}
			method = strings.TrimSpace(method)
			named = true
			if found != nil {
				if err := found(method); err != nil {
					return method, nil, err
				}
			}
		case "params":
			if params, err = d.params(); err != nil {
				return "", nil, err
			}
		default:
			return "", nil, unexpected(name, "methodCall")
		}
	}
	if !named {
		return "", nil, errors.New("no methodName in methodCall")
	}
	return method, params, d.eof()
}

// token returns the tokenizer's next token.
func (d *decoder) token() (xml.Token, error) {
	t, err := d.x.Token()
	d.src.directiveDone()
	return t, err
}

// root reads up to the document's root element, which must be want.
func (d *decoder) root(want string) error {
	name, end, err := d.element()
	switch {
	case err == io.ErrUnexpectedEOF:
		return errors.New("no element found")
	case err != nil:
		return err
	case end || name != want:
		return fmt.Errorf("document is not a %s", want)
	}
	return nil
}

// eof checks that nothing but space, comments and processing instructions
// follow the root element.
func (d *decoder) eof() error {
	_, _, err := d.element()
	if err == io.ErrUnexpectedEOF {
		return nil
	}
	if err == nil {
		err = errors.New("junk after document element")
	}
	return err
}

// params reads <param><value>...</value></param> elements up to </params>.
func (d *decoder) params() ([]any, error) {
	params := []any{}
	for {
		name, end, err := d.element()
		if err != nil || end {
			return params, err
		}
		if name != "param" {
			return nil, unexpected(name, "params")
		}
		v, err := d.wrapped(0)
		if err != nil {
			return nil, err
		}
		params = append(params, v)
		if err := d.end(); err != nil { // </param>
			return nil, err
		}
	}
}

// element returns the next start or end element, skipping space, comments,
// processing instructions and directives. Text that is not space is an
// error; the end of input is io.ErrUnexpectedEOF.
func (d *decoder) element() (name string, end bool, err error) {
	for {
		tok, err := d.token()
		if err == io.EOF {
			return "", false, io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Local, false, nil
		case xml.EndElement:
			return t.Name.Local, true, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return "", false, fmt.Errorf("unexpected text %q", truncate(string(t)))
			}
		}
	}
}

// end reads the end element of the element just read, allowing only space
// and comments before it.
func (d *decoder) end() error {
	name, end, err := d.element()
	if err == nil && !end {
		err = fmt.Errorf("unexpected <%s>", name)
	}
	return err
}

// text reads character data up to the end of the element name; an element
// inside it is an error.
func (d *decoder) text(name string) (string, error) {
	var text textBuf
	for {
		tok, err := d.token()
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.add(t)
		case xml.StartElement:
			return "", fmt.Errorf("unexpected <%s> in <%s>", t.Name.Local, name)
		case xml.EndElement:
			return text.String(), nil
		}
	}
}

// A textBuf gathers the character data of one element, which the tokenizer
// may hand over in several tokens (around a comment or a CDATA section),
// each valid only until the next. It copies the usual single token once,
// into the string it returns.
type textBuf struct {
	first string
	more  []byte // first and the tokens after it, once there are two
	n     int    // tokens added
}

func (b *textBuf) add(t []byte) {
	switch b.n++; b.n {
	case 1:
		b.first = string(t)
	case 2:
		b.more = append([]byte(b.first), t...)
	default:
		b.more = append(b.more, t...)
	}
}

// space reports whether the text is only space, or empty.
func (b *textBuf) space() bool {
	if b.n > 1 {
		return len(bytes.TrimSpace(b.more)) == 0
	}
	return strings.TrimSpace(b.first) == ""
}

func (b *textBuf) String() string {
	if b.n > 1 {
		return string(b.more)
	}
	return b.first
}

// maxShortText is how long the text of a number, a boolean, a dateTime or
// a nil may be once its surrounding space is trimmed, and maxShortRaw how
// many bytes the source passes for it before the decoder gives up, space
// and markup included: such values are short by nature, and the tokenizer
// would otherwise gather all of a long one into a growing buffer.
const (
	maxShortText = 64
	maxShortRaw  = 4096
)

// shortText reads the text of the type element name, whose value is short
// by nature, up to its end; a text longer than maxShortText is an error.
func (d *decoder) shortText(name string) (string, error) {
	d.src.limit, d.src.passed = maxShortRaw, 0
	s, err := d.text(name)
	d.src.limit = 0
	if err == errTooLong || (err == nil && len(strings.TrimSpace(s)) > maxShortText) {
		return "", fmt.Errorf("bad %s value: longer than %d bytes", name, maxShortText)
	}
	return s, err
}

// wrapped reads <value>...</value> at the given nesting depth.
func (d *decoder) wrapped(depth int) (any, error) {
	name, end, err := d.element()
	if err != nil {
		return nil, err
	}
	if end || name != "value" {
		return nil, fmt.Errorf("expected <value>, got %s", tag(name, end))
	}
	return d.value(depth)
}

// value reads the inside of a <value> element, whose start was just read,
// and its end. A value with no type element inside is a string.
func (d *decoder) value(depth int) (any, error) {
	if d.values == 0 {
		return nil, errTooMany(d.maxValues)
	}
	if d.values > 0 {
		d.values--
	}
	var text textBuf
	for {
		tok, err := d.token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.add(t)
		case xml.EndElement:
			return text.String(), nil
		case xml.StartElement:
			if !text.space() {
				return nil, fmt.Errorf("unexpected text %q before <%s>", truncate(text.String()), t.Name.Local)
			}
			v, err := d.typed(t.Name.Local, depth)
			if err != nil {
				return nil, err
			}
			return v, d.end() // </value>
		}
	}
}

// typed reads the inside of a type element, such as <int>, and its end.
// The names and their leniency are Python's xmlrpc.client's: every integer
// tag it knows, "float" for double, and "nil" with or without a namespace
// prefix (Apache's ex:nil).
func (d *decoder) typed(name string, depth int) (any, error) {
	switch name {
	case "struct":
		return d.structValue(depth + 1)
	case "array":
		return d.array(depth + 1)
	}
	var s string
	var err error
	switch name {
	case "string", "base64":
		s, err = d.text(name)
	default:
		s, err = d.shortText(name)
	}
	if err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return s, nil
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, strconv.IntSize)
		if err != nil {
			return nil, fmt.Errorf("bad %s value %q", name, truncate(s))
		}
		return int(n), nil
	case "boolean":
		switch strings.TrimSpace(s) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, fmt.Errorf("bad boolean value %q", truncate(s))
	case "double", "float":
		// Beyond float64's range is an infinity, as Python's float() reads it.
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("bad double value %q", truncate(s))
		}
		return f, nil
	case "dateTime.iso8601":
		dt := DateTime(strings.TrimSpace(s))
		if d.useDateTime {
			return dt.Time()
		}
		return dt, nil
	case "base64":
		return decodeBase64(s)
	case "nil":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown type <%s>", name)
}

// structValue reads <member> elements up to </struct>. A member holds a
// <name> and a <value>, in either order; a repeated name keeps the last.
func (d *decoder) structValue(depth int) (any, error) {
	if depth > d.maxDepth {
		return nil, errTooDeep(d.maxDepth)
	}
	m := map[string]any{}
	for {
		name, end, err := d.element()
		if err != nil {
			return nil, err
		}
		if end {
			return m, nil
		}
		if name != "member" {
			return nil, unexpected(name, "struct")
		}
		var key string
		var v any
		haveKey, haveValue := false, false
		for {
			name, end, err := d.element()
			if err != nil {
				return nil, err
			}
			if end {
				break
			}
			switch {
			case name == "name" && !haveKey:
				key, err = d.text(name)
				haveKey = true
			case name == "value" && !haveValue:
				v, err = d.value(depth)
				haveValue = true
			default:
				err = unexpected(name, "member")
			}
			if err != nil {
				return nil, err
			}
		}
		if !haveKey || !haveValue {
			return nil, errors.New("struct member without a name or a value")
		}
		m[key] = v
	}
}

// array reads <data><value>...</value>...</data> up to </array>. Like
// Python, it also takes values with no <data> around them.
func (d *decoder) array(depth int) (any, error) {
	if depth > d.maxDepth {
		return nil, errTooDeep(d.maxDepth)
	}
	a := []any{}
	inData := false
	for {
		name, end, err := d.element()
		if err != nil {
			return nil, err
		}
		switch {
		case end && inData: // </data>
			inData = false
			if err := d.end(); err != nil { // </array>
				return nil, err
			}
			return a, nil
		case end:
			return a, nil
		case name == "data" && !inData && len(a) == 0:
			inData = true
		case name == "value":
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		default:
			return nil, unexpected(name, "array")
		}
	}
}

// decodeBase64 decodes standard base64 with or without padding, ignoring
// the line breaks and spaces encoders put in it, as Python does.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad base64 value: %v", err)
	}
	return b, nil
}

// charsetReader lets a body declare the encodings Python's parser also
// reads besides UTF-8: US-ASCII, a subset of it, and ISO-8859-1, whose
// rest it converts to UTF-8 and reads through a new source.
func (d *decoder) charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1":
		rest := d.src.b[d.src.i:]
		high := 0
		for _, c := range rest {
			if c >= utf8.RuneSelf {
				high++
			}
		}
		u := make([]byte, 0, len(rest)+high) // each high byte takes two
		for _, c := range rest {
			u = utf8.AppendRune(u, rune(c))
		}
		d.src = &source{b: u, decl: true, dtd: d.src.dtd}
		return d.src, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

func unexpected(name, in string) error {
	return fmt.Errorf("unexpected <%s> in <%s>", name, in)
}

func tag(name string, end bool) string {
	if end {
		return "</" + name + ">"
	}
	return "<" + name + ">"
}

// truncate shortens client text quoted in an error to 40 bytes, so a fault
// does not echo a whole body.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
