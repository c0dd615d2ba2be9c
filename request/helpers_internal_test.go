package request

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/textproto"
)

// gotPart is a part as a test sees it: its headers and its content.
type gotPart struct {
	Header  textproto.MIMEHeader
	Content string
}

// partsOf parses body with readParts, reading it from r.
func partsOf(body []byte, r io.Reader, boundary string) ([]gotPart, error) {
	parts, err := readParts(r, int64(len(body)), boundary, 1<<20)
	if err != nil {
		return nil, err
	}
	got := make([]gotPart, len(parts))
	for i, p := range parts {
		got[i] = gotPart{p.header, string(body[p.off : p.off+p.size])}
	}
	return got, nil
}

// goParts parses body with mime/multipart, undecoded, for comparison.
func goParts(body []byte, boundary string) ([]gotPart, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var got []gotPart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		got = append(got, gotPart{p.Header, string(b)})
	}
}

// queryMap parses s with parseQuery and no limit on its fields.
func queryMap(s string) map[string][]string {
	m := make(map[string][]string)
	fields := int64(1<<63 - 1)
	parseQuery(m, s, &fields)
	return m
}
