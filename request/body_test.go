package request

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want map[string][]string
	}{
		{"", map[string][]string{}},
		{"x=1&x=2&y=", map[string][]string{"x": {"1", "2"}, "y": {""}}},
		{"a=1;b=2&a=3", map[string][]string{"a": {"1", "3"}, "b": {"2"}}},
		{"flag&a=1&=empty", map[string][]string{"a": {"1"}, "": {"empty"}}},
		{"a+b=c+d", map[string][]string{"a b": {"c d"}}},
		{"k=%2B%20%26", map[string][]string{"k": {"+ &"}}},
		{"k=a=b", map[string][]string{"k": {"a=b"}}},
		{"k=%zz&j=%", map[string][]string{"k": {"%zz"}, "j": {"%"}}},
		{"&&;;", map[string][]string{}},
		{"k=%E2%98%83", map[string][]string{"k": {"\u2603"}}},
		{"k=%2b", map[string][]string{"k": {"+"}}},
	}
	for _, tt := range tests {
		if got := queryMap(tt.in); !maps.EqualFunc(got, tt.want, func(a, b []string) bool { return reflect.DeepEqual(a, b) }) {
			t.Errorf("queryMap(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCookie(t *testing.T) {
	hr := httptest.NewRequest("GET", "/", nil)
	hr.Header["Cookie"] = []string{
		`a=1; b=2;c=3; flag; d=x=y; e="quoted"; f=sp ; a=4`,
		`g=; h=%41;  i=two spaces`,
		`b=last`,
	}
	r := New(httptest.NewRecorder(), hr, nil)
	tests := []struct {
		name, want string
		found      bool
	}{
		{"a", "4", true},        // last occurrence wins
		{"b", "last", true},     // across header lines too
		{"c", "3", true},        // no space after ";"
		{"flag", "", false},     // valueless items are ignored
		{"d", "x=y", true},      // split at the first "="
		{"e", `"quoted"`, true}, // no unquoting
		{"f", "sp ", true},      // trailing spaces kept
		{"g", "", true},         // empty value is a value
		{"h", "%41", true},      // no percent-decoding
		{"i", "two spaces", true},
		{"missing", "", false},
		{" a", "", false},
	}
	for _, tt := range tests {
		got, found := r.Cookie(tt.name)
		if got != tt.want || found != tt.found {
			t.Errorf("Cookie(%q) = %q, %v; want %q, %v", tt.name, got, found, tt.want, tt.found)
		}
	}
}

func TestHeaderLastValue(t *testing.T) {
	hr := httptest.NewRequest("GET", "/", nil)
	hr.Header.Add("X-Test", "first")
	hr.Header.Add("X-Test", "last")
	r := New(httptest.NewRecorder(), hr, nil)
	if got := r.Header("x-test"); got != "last" {
		t.Errorf("Header = %q, want the last value", got)
	}
	if got := r.Header("X-Missing"); got != "" {
		t.Errorf("missing header = %q", got)
	}
}

func TestArgsAndContent(t *testing.T) {
	hr := httptest.NewRequest("POST", "/?a=q1&a=q2&b=qb", strings.NewReader("a=body&c=%26"))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r := New(httptest.NewRecorder(), hr, nil)
	args, err := r.Args()
	want := map[string][]string{"a": {"body"}, "b": {"qb"}, "c": {"&"}}
	if err != nil || !reflect.DeepEqual(args, want) {
		t.Errorf("Args = %q, %v; want %q", args, err, want)
	}
	// The body is kept: Content still returns it, undecoded.
	if body, err := r.Content(); err != nil || string(body) != "a=body&c=%26" {
		t.Errorf("Content = %q, %v", body, err)
	}
	if r.Arg("a") != "body" || r.Arg("none") != "" {
		t.Errorf("Arg: %q %q", r.Arg("a"), r.Arg("none"))
	}
}

func TestContentTooLarge(t *testing.T) {
	for _, length := range []int64{10, -1} { // declared, and unknown (chunked)
		hr := httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
		hr.ContentLength = length
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := New(httptest.NewRecorder(), hr, &Config{MaxBodySize: 4})
		_, err := r.Args()
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusRequestEntityTooLarge || !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("length %d: Args error %v, want 413 ErrBodyTooLarge", length, err)
		}
		if _, err2 := r.Content(); !errors.Is(err2, ErrBodyTooLarge) {
			t.Errorf("length %d: Content error %v", length, err2)
		}
	}
	// Negative: no limit.
	hr := httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
	r := New(httptest.NewRecorder(), hr, &Config{MaxBodySize: -1})
	if b, err := r.Content(); err != nil || len(b) != 10 {
		t.Errorf("unlimited: %q, %v", b, err)
	}
}

func TestMalformedMultipart(t *testing.T) {
	for _, ctype := range []string{"multipart/form-data", "multipart/form-data; boundary=xyz"} {
		hr := httptest.NewRequest("POST", "/?q=1", strings.NewReader("--xyz\r\nnot a header\r\n\r\n"))
		hr.Header.Set("Content-Type", ctype)
		r := New(httptest.NewRecorder(), hr, nil)
		args, err := r.Args()
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusBadRequest || !errors.Is(err, ErrMalformedBody) {
			t.Errorf("%s: error %v, want 400 ErrMalformedBody", ctype, err)
		}
		if args["q"][0] != "1" {
			t.Errorf("%s: query args lost: %q", ctype, args)
		}
		if _, err2 := r.Args(); err2 != err {
			t.Errorf("second Args: %v, want the same error", err2)
		}
	}
}

func TestStatusError(t *testing.T) {
	err := &StatusError{Code: 413, Err: ErrBodyTooLarge}
	if got := err.Error(); got != "413 Request Entity Too Large: request: body too large" {
		t.Errorf("Error() = %q", got)
	}
}
