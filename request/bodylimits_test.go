package request_test

import (
	"fmt"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// The form floods of issue 14 get the 413 page, and the largest forms the
// limits allow get through.
func TestFormLimits(t *testing.T) {
	root := resource.New()
	root.PutChild("args", argsLeaf{})
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.MaxFormFields = 100; s.MaxMultipartParts = 10 })
	fields := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "k%d=v&", i)
		}
		return b.String()
	}
	parts := func(n int) (string, string) {
		var b strings.Builder
		mw := multipart.NewWriter(&b)
		for i := range n {
			mw.WriteField(fmt.Sprint("k", i), "v")
		}
		mw.Close()
		return b.String(), mw.FormDataContentType()
	}
	const form = "application/x-www-form-urlencoded"
	mp10, mpType10 := parts(10)
	mp11, mpType11 := parts(11)
	tests := []struct {
		name, path, ctype, body string
		code                    int
	}{
		{"100 fields", "/args", form, fields(100), 200},
		{"101 fields", "/args", form, fields(101), 413},
		{"query and body count together", "/args?a=1", form, fields(100), 413},
		{"101 in the query", "/args?" + fields(101), "", "", 413},
		{"10 parts", "/args", mpType10, mp10, 200},
		{"11 parts", "/args", mpType11, mp11, 413},
	}
	for _, tt := range tests {
		resp, body := testutil.Do(t, srv, "POST", tt.path, strings.NewReader(tt.body), "Content-Type", tt.ctype)
		if resp.StatusCode != tt.code {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.code)
		}
		if tt.code == 413 && !strings.Contains(body, "<title>413 - Request Entity Too Large</title>") {
			t.Errorf("%s: page %q", tt.name, body)
		}
	}
}

// A client that stops sending its body gets 408, on HTTP/1.1 (the
// connection is then closed) as on HTTP/2.
func TestBodyIdleTimeoutHTTP1(t *testing.T) {
	root := resource.New()
	root.PutChild("content", contentLeaf{})
	_, srv := testutil.Serve(t, root, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })
	for _, head := range []string{
		"PUT /content HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part",
		"PUT /content HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
	} {
		// raw reads until the server closes the connection.
		out := testutil.Raw(t, srv, head)
		resp, body := testutil.ParseResponse(t, out, "PUT")
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive in time") {
			t.Errorf("%q: %d %q", head, resp.StatusCode, body)
		}
	}
}

func TestBodyIdleTimeoutHTTP2(t *testing.T) {
	root := resource.New()
	root.PutChild("content", contentLeaf{})
	_, srv := testutil.ServeHTTP2(t, root, testutil.Quiet, func(s *site.Site) { s.BodyIdleTimeout = 50 * time.Millisecond })

	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("only a part"))
	resp, body := testutil.Do(t, srv, "PUT", "/content", pr)
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("%s: %d %q", resp.Proto, resp.StatusCode, body)
	}
}

// asyncAfterBody reads the body, then finishes the response later, after
// the body's idle timeout has passed many times over.
type asyncAfterBody struct {
	resource.Leaf
	wait time.Duration
}

func (a asyncAfterBody) Render(r *request.Request) ([]byte, error) {
	b, err := r.Content()
	if err != nil {
		return nil, err
	}
	time.AfterFunc(a.wait, func() { r.FinishWith(b) })
	return nil, resource.NotDoneYet
}

// The idle timeout applies while the body is read, not to the time an
// asynchronous response takes afterwards.
func TestBodyIdleTimeoutSparesAsync(t *testing.T) {
	root := resource.New()
	root.PutChild("async", asyncAfterBody{wait: 300 * time.Millisecond})
	_, srv := testutil.Serve(t, root, func(s *site.Site) { s.BodyIdleTimeout = 20 * time.Millisecond })
	for range 2 { // the second time on the same connection
		resp, body := testutil.Do(t, srv, "POST", "/async", strings.NewReader("the body"))
		if resp.StatusCode != 200 || body != "the body" {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	}
}

func (crcLeaf) Render(r *request.Request) ([]byte, error) {
	body, err := r.ContentReader()
	if err != nil {
		return nil, err
	}
	h := crc32.NewIEEE()
	n, err := io.Copy(h, body)
	return fmt.Appendf(nil, "%d %08x", n, h.Sum32()), err
}

// filesLeaf answers with the size and CRC-32 of each file of a multipart
// body, and the number of arguments.
type filesLeaf struct{ resource.Leaf }

func (filesLeaf) Render(r *request.Request) ([]byte, error) {
	files, err := r.Files()
	if err != nil {
		return nil, err
	}
	args, _ := r.Args()
	out := fmt.Appendf(nil, "%d args", len(args))
	for _, f := range files["f"] {
		h := crc32.NewIEEE()
		n, err := io.Copy(h, f.Open())
		if err != nil {
			return nil, err
		}
		out = fmt.Appendf(out, "; %s %d %08x", f.Filename, n, h.Sum32())
	}
	return out, nil
}

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = p.n
		p.n = p.n*31 + 7
	}
	return len(b), nil
}

func TestUploadSpooled(t *testing.T) {
	root := resource.New()
	root.PutChild("crc", crcLeaf{})
	root.PutChild("files", filesLeaf{})
	_, srv := testutil.Serve(t, root, func(s *site.Site) { s.MaxRequestBodySize = 64 << 20 })

	h := crc32.NewIEEE()
	upload := io.TeeReader(io.LimitReader(&pattern{}, 20<<20), h)
	resp, body := testutil.Do(t, srv, "PUT", "/crc", upload)
	if want := fmt.Sprintf("%d %08x", 20<<20, h.Sum32()); resp.StatusCode != 200 || body != want {
		t.Errorf("PUT: %d %q, want %q", resp.StatusCode, body, want)
	}

	// A multipart upload with two files, one over the spool threshold.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sums := make(chan string, 1)
	go func() {
		mw.WriteField("title", "two files")
		var want string
		for i, size := range []int64{3 << 20, 1000} {
			fw, _ := mw.CreateFormFile("f", fmt.Sprint("file", i))
			h := crc32.NewIEEE()
			io.Copy(io.MultiWriter(fw, h), io.LimitReader(&pattern{n: byte(i)}, size))
			want += fmt.Sprintf("; file%d %d %08x", i, size, h.Sum32())
		}
		mw.Close()
		pw.Close()
		sums <- want
	}()
	resp, body = testutil.Do(t, srv, "POST", "/files", pr, "Content-Type", mw.FormDataContentType())
	if want := "2 args" + <-sums; resp.StatusCode != 200 || body != want {
		// title, and f: the small file (the big one is in Files only).
		t.Errorf("POST: %d %q, want %q", resp.StatusCode, body, want)
	}
}
