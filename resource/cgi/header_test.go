package cgi

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in     string
		code   int
		header http.Header
		rest   string
		err    string // a part of the error; "" for none
	}{
		{"Content-Type: text/plain\n\nbody", 200, http.Header{"Content-Type": {"text/plain"}}, "body", ""},
		{"content-type:text/plain\r\n\r\nbody\r\n", 200, http.Header{"Content-Type": {"text/plain"}}, "body\r\n", ""},
		{"X-A: 1\nX-A:  2 \t\n\n", 200, http.Header{"X-A": {"1", "2"}}, "", ""},
		{"X-Empty:\n\n", 200, http.Header{"X-Empty": {""}}, "", ""},
		{"\nbody", 200, http.Header{}, "body", ""},
		{"\r\n", 200, http.Header{}, "", ""},
		{"Status: 404 Not Found\n\n", 404, http.Header{}, "", ""},
		{"Status: 299\n\n", 299, http.Header{}, "", ""},
		{"Status:\t599\tx\n\n", 599, http.Header{}, "", ""},
		{"Location: /x\n\n", 302, http.Header{"Location": {"/x"}}, "", ""},
		{"Location: /x\nStatus: 307\n\n", 307, http.Header{"Location": {"/x"}}, "", ""},
		{"Server: a\nDate: b\nConnection: close\nTransfer-Encoding: chunked\nKeep-Alive: 1\nUpgrade: h2c\nTE: x\nTrailer: y\nProxy-Connection: z\n\n",
			200, http.Header{}, "", ""},
		{"Content-Length: 12\n\n", 200, http.Header{"Content-Length": {"12"}}, "", ""},
		{"X-Obs: caf\xe9\n\n", 200, http.Header{"X-Obs": {"caf\xe9"}}, "", ""},
		{"X~!#$%&'*+-.^_`|: token\n\n", 200, http.Header{"X~!#$%&'*+-.^_`|": {"token"}}, "", ""},

		{"", 0, nil, "", "premature end"},
		{"Content-Type: text/plain\n", 0, nil, "", "premature end"},
		{"Content-Type: text/plain", 0, nil, "", "premature end"},
		{"Content-Type: text/plain\r\r", 0, nil, "", "premature end"},
		{"XYZ\n\n", 0, nil, "", "no colon"},
		{": v\n\n", 0, nil, "", "empty name"},
		{"X A: v\n\n", 0, nil, "", "not a token"},
		{"X\x00: v\n\n", 0, nil, "", "not a token"},
		{"X-A: a\rb\n\n", 0, nil, "", "control character"},
		{"X-A: a\x7f\n\n", 0, nil, "", "control character"},
		{"X-A: a\x00\n\n", 0, nil, "", "control character"},
		{"X-A: a\n b\n\n", 0, nil, "", "continuation"},
		{"Status: 20\n\n", 0, nil, "", "three digits"},
		{"Status: 2000\n\n", 0, nil, "", "three digits"},
		{"Status: +20\n\n", 0, nil, "", "three digits"},
		{"Status: 199\n\n", 0, nil, "", "between 200 and 599"},
		{"Status: 600\n\n", 0, nil, "", "between 200 and 599"},
		{"Status: 200\nStatus: 200\n\n", 0, nil, "", "second Status"},
		{"Content-Length: 1\nContent-Length: 1\n\n", 0, nil, "", "Content-Length"},
		{"Content-Length: 0x1\n\n", 0, nil, "", "Content-Length"},
		{"Content-Length: 1234567890123456789\n\n", 0, nil, "", "Content-Length"},
		{"X-Big: " + strings.Repeat("x", 200) + "\n\n", 0, nil, "", "too large"},
	}
	for _, tt := range tests {
		br := bufio.NewReaderSize(strings.NewReader(tt.in), 16) // lines longer than the buffer
		code, h, err := parseHeader(br, 128)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want one with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		rest, _ := io.ReadAll(br)
		if code != tt.code || !reflect.DeepEqual(h, tt.header) || string(rest) != tt.rest {
			t.Errorf("%q: %d %v %q, want %d %v %q", tt.in, code, h, rest, tt.code, tt.header, tt.rest)
		}
	}
}

// TestParseHeaderLimit: the limit counts every byte of the block, the
// blank line included.
func TestParseHeaderLimit(t *testing.T) {
	block := "X-A: 12345\n\n" // 12 bytes
	if _, _, err := parseHeader(bufio.NewReader(strings.NewReader(block+"body")), 12); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, _, err := parseHeader(bufio.NewReader(strings.NewReader(block+"body")), 11); !errors.Is(err, errHeaderSize) {
		t.Errorf("over the limit: %v", err)
	}
}
