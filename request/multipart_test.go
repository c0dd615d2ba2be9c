package request

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadParts(t *testing.T) {
	cd := func(name string) textproto.MIMEHeader {
		return textproto.MIMEHeader{"Content-Disposition": {`form-data; name="` + name + `"`}}
	}
	tests := []struct {
		name, body string
		want       []gotPart // nil: an error
	}{
		{"two parts", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n2\r\n--b--\r\n",
			[]gotPart{{cd("a"), "1"}, {cd("c"), "2"}}},
		{"preamble and epilogue", "junk\r\nmore junk\r\n--b\r\n\r\nx\r\n--b--\r\nafter",
			[]gotPart{{textproto.MIMEHeader{}, "x"}}},
		{"LF line breaks", "--b\nContent-Disposition: form-data; name=\"a\"\n\nline1\nline2\n--b--\n",
			[]gotPart{{cd("a"), "line1\nline2"}}},
		{"padding after delimiters", "--b  \r\n\r\nx\r\n--b--\t\r\n",
			[]gotPart{{textproto.MIMEHeader{}, "x"}}},
		{"close without line break", "--b\r\n\r\nx\r\n--b--",
			[]gotPart{{textproto.MIMEHeader{}, "x"}}},
		{"empty content, delimiter at once", "--b\r\n\r\n--b\r\n\r\ny\r\n--b--",
			[]gotPart{{textproto.MIMEHeader{}, ""}, {textproto.MIMEHeader{}, "y"}}},
		{"boundary-like content", "--b\r\n\r\n--bx\r\n--b-x\r\n--bb\r\n--b--",
			[]gotPart{{textproto.MIMEHeader{}, "--bx\r\n--b-x\r\n--bb"}}},
		{"CRs and LFs in content", "--b\r\n\r\n\r\n\r\r\n\n--\r\n--b--",
			[]gotPart{{textproto.MIMEHeader{}, "\r\n\r\r\n\n--"}}},
		{"no parts", "--b--\r\n", []gotPart{}},
		{"empty body", "", nil},
		{"no close delimiter", "--b\r\n\r\nx\r\n", nil},
		{"content without end", "--b\r\n\r\nx", nil},
		{"junk after a part", "--b\r\n\r\nx\r\n--b junk\r\n\r\n--b--", nil},
		{"bad header", "--b\r\nnot a header\r\n\r\nx\r\n--b--", nil},
		{"header without end", "--b\r\nA: 1\r\n", nil},
	}
	// mime/multipart takes a body cut off in a part's header for a whole
	// body without that part.
	goTakes := map[string]bool{"header without end": true}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.body)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, err := partsOf([]byte(tt.body), r, "b")
			if tt.want == nil {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != 400 || !errors.Is(err, ErrMalformedBody) {
					t.Errorf("%s: got %v, %v; want a 400 ErrMalformedBody", tt.name, got, err)
				}
			} else if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (one byte at a time: %v): got %q, %v; want %q", tt.name, oneByte, got, err, tt.want)
			}
			// mime/multipart agrees.
			if want, err := goParts([]byte(tt.body), "b"); (err == nil) != (tt.want != nil || goTakes[tt.name]) ||
				err == nil && tt.want != nil && len(want)+len(tt.want) > 0 && !reflect.DeepEqual(want, tt.want) {
				t.Errorf("%s: mime/multipart says %q, %v", tt.name, want, err)
			}
		}
	}
}

func TestReadPartsLimits(t *testing.T) {
	five := strings.Repeat("--b\r\nA: 1\r\nB: 2\r\n\r\nx\r\n", 5) + "--b--\r\n"
	// Header lines count over all parts: 10 per part allowed.
	many := strings.Repeat("--b\r\n"+strings.Repeat("A: 1\r\n", 2000)+"\r\nx\r\n", 6) + "--b--"
	// A header block larger than the scanner's buffer is refused.
	long := "--b\r\nA: " + strings.Repeat("x", 70<<10) + "\r\n\r\nx\r\n--b--"
	for _, tt := range []struct {
		name, body, boundary string
		maxParts             int64
		err                  error
	}{
		{"5 parts, 5 allowed", five, "b", 5, nil},
		{"5 parts, 4 allowed", five, "b", 4, ErrTooManyFields},
		{"12000 header lines, 1200 parts allowed", many, "b", 1200, nil},
		{"12000 header lines, 1199 parts allowed", many, "b", 1199, ErrTooManyFields},
		{"70 KiB header", long, "b", 100, ErrMalformedBody},
		{"empty boundary", "----", "", 100, ErrMalformedBody},
		{"boundary too long", "--b--", strings.Repeat("b", maxBoundary+1), 100, ErrMalformedBody},
	} {
		_, err := readParts(strings.NewReader(tt.body), int64(len(tt.body)), tt.boundary, tt.maxParts)
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
}

// multipartRequest returns a Request for a POST of a multipart body made of
// fields: name, then value; a name "file:NAME:FILENAME" makes a file part.
func multipartRequest(t testing.TB, cfg *Config, fields ...string) *Request {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		var w io.Writer
		var err error
		if f, ok := strings.CutPrefix(fields[i], "file:"); ok {
			name, filename, _ := strings.Cut(f, ":")
			w, err = mw.CreateFormFile(name, filename)
		} else {
			w, err = mw.CreateFormField(fields[i])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, fields[i+1])
	}
	mw.Close()
	hr := httptest.NewRequest("POST", "/?q=1", &b)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	return New(httptest.NewRecorder(), hr, cfg)
}

func TestMultipartArgsAndFiles(t *testing.T) {
	big := strings.Repeat("0123456789", 1000) // over the threshold below
	for _, threshold := range []int64{20 << 10, 4 << 10} {
		// With the smaller threshold, the body itself is spooled.
		cfg := &Config{SpoolThreshold: threshold}
		r := multipartRequest(t, cfg, "a", "1", "file:up:dir/small.txt", "tiny", "file:up:../big.bin", big, "a", "2", "file:other:x", "")
		args, err := r.Args()
		// The last part named "up" wins, unless it is over the threshold:
		// then it is in Files only.
		want := map[string][]string{"q": {"1"}, "a": {"2"}, "up": {big}, "other": {""}}
		if threshold < int64(len(big)) {
			want["up"] = []string{"tiny"}
		}
		if err != nil || !reflect.DeepEqual(args, want) {
			t.Errorf("threshold %d: Args = %.50q, %v; want %.50q", threshold, args, err, want)
		}
		files, err := r.Files()
		if err != nil || len(files) != 2 || len(files["up"]) != 2 || len(files["other"]) != 1 {
			t.Fatalf("Files = %v, %v", files, err)
		}
		for i, w := range []struct{ filename, content string }{{"small.txt", "tiny"}, {"big.bin", big}} {
			f := files["up"][i]
			b, err := io.ReadAll(f.Open())
			if f.Name != "up" || f.Filename != w.filename || f.Size != int64(len(w.content)) || string(b) != w.content || err != nil {
				t.Errorf("file %d: %q %q %d, content %d bytes, %v", i, f.Name, f.Filename, f.Size, len(b), err)
			}
			if ct := f.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("file %d: Content-Type %q", i, ct)
			}
		}
		r.Finish()
	}
}

func TestMultipartFormMemory(t *testing.T) {
	cfg := &Config{MaxFormMemory: 10}
	// A value over the limit: 413.
	r := multipartRequest(t, cfg, "a", "12345", "b", "123456")
	if _, err := r.Args(); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("values over MaxFormMemory: %v", err)
	}
	// A file over it stays out of Args, in Files.
	r = multipartRequest(t, cfg, "a", "12345", "file:f:f", "123456")
	args, err := r.Args()
	files, _ := r.Files()
	if err != nil || len(args["f"]) != 0 || len(files["f"]) != 1 || args["a"][0] != "12345" {
		t.Errorf("file over MaxFormMemory: %q, %v, %v", args, files, err)
	}
	// Too many parts: 413.
	r = multipartRequest(t, &Config{MaxMultipartParts: 2}, "a", "1", "b", "2", "c", "3")
	if _, err := r.Args(); !errors.Is(err, ErrTooManyFields) {
		t.Errorf("3 parts, 2 allowed: %v", err)
	}
	if _, err := r.Files(); !errors.Is(err, ErrTooManyFields) {
		t.Errorf("Files after too many parts: %v", err)
	}
}

func TestMultipartIgnoredParts(t *testing.T) {
	body := "--b\r\n\r\nno disposition\r\n" +
		"--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nnot form-data\r\n" +
		"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"ok\"\r\n\r\nyes\r\n--b--\r\n"
	hr := httptest.NewRequest("POST", "/", strings.NewReader(body))
	hr.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	args, err := New(httptest.NewRecorder(), hr, nil).Args()
	if want := map[string][]string{"ok": {"yes"}}; err != nil || !reflect.DeepEqual(args, want) {
		t.Errorf("Args = %q, %v; want %q", args, err, want)
	}
}
