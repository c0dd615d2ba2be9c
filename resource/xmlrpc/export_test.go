package xmlrpc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// AppendResponse exposes the encoder to the black-box tests.
var AppendResponse = appendResponse

// DecodeCall exposes the call decoder to the black-box tests.
func DecodeCall(body []byte, useDateTime bool, maxDepth, maxValues int) (string, []any, error) {
	return decodeCall(body, decodeOptions{useDateTime, maxDepth, maxValues}, nil)
}

// EncodeCall returns a methodCall document for method and args, encoded as
// results are (nil allowed).
func EncodeCall(method string, args ...any) ([]byte, error) {
	e := encoder{allowNone: true, maxDepth: 1 << 20}
	e.buf = append(e.buf, "<?xml version='1.0'?>\n<methodCall>\n<methodName>"...)
	e.buf = appendEscaped(e.buf, method)
	e.buf = append(e.buf, "</methodName>\n<params>\n"...)
	for _, a := range args {
		e.buf = append(e.buf, "<param>\n"...)
		if err := e.value(a, 0); err != nil {
			return nil, err
		}
		e.buf = append(e.buf, "</param>\n"...)
	}
	e.buf = append(e.buf, "</params>\n</methodCall>\n"...)
	return e.buf, nil
}

// DecodeResponse parses a methodResponse: its value, or its fault as a
// *Fault error.
func DecodeResponse(body []byte) (any, error) {
	d := newDecoder(body, decodeOptions{maxValues: -1})
	if err := d.root("methodResponse"); err != nil {
		return nil, err
	}
	name, _, err := d.element()
	if err != nil {
		return nil, err
	}
	var v any
	switch name {
	case "params":
		if name, _, err = d.element(); err != nil || name != "param" {
			return nil, fmt.Errorf("want <param>, got %q (%v)", name, err)
		}
		if v, err = d.wrapped(0); err != nil {
			return nil, err
		}
		err = d.end() // </param>
	case "fault":
		if v, err = d.wrapped(0); err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		code, ok1 := m["faultCode"].(int)
		s, ok2 := m["faultString"].(string)
		if !ok || !ok1 || !ok2 {
			return nil, fmt.Errorf("malformed fault %#v", v)
		}
		v, err = nil, &Fault{code, s}
	default:
		return nil, errors.New("want <params> or <fault>, got " + strconv.Quote(name))
	}
	if err != nil {
		return v, err
	}
	if err := d.end(); err != nil { // </params> or </fault>
		return nil, err
	}
	if err := d.end(); err != nil { // </methodResponse>
		return nil, err
	}
	if derr := d.eof(); derr != nil {
		return nil, derr
	}
	return v, nil
}

// Call is the tests' Go client: it posts a call to url and decodes the
// answer, which must be a 200 text/xml response.
func Call(c *http.Client, url, method string, args ...any) (any, error) {
	body, err := EncodeCall(method, args...)
	if err != nil {
		return nil, err
	}
	resp, err := c.Post(url, "text/xml", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		return nil, fmt.Errorf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return DecodeResponse(b)
}

// ReadSource returns what the tokenizer reads of body through a source.
func ReadSource(body []byte) ([]byte, error) {
	s := &source{b: body}
	var out []byte
	for {
		c, err := s.ReadByte()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
}
