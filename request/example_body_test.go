package request_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/gotwisted/web/request"
)

// A large upload is read as a stream: beyond the spool threshold (1 MiB by
// default) the body waits in a temporary file, not in memory.
func ExampleRequest_ContentReader() {
	hr := httptest.NewRequest("PUT", "/upload", bytes.NewReader(make([]byte, 5<<20)))
	r := request.New(httptest.NewRecorder(), hr, nil)

	// The body is in a temporary file (it is over 1 MiB); read it as a
	// stream, as Twisted's request.content.
	body, err := r.ContentReader()
	if err != nil {
		fmt.Println(err) // a *request.StatusError: 408, 413 or 400
		return
	}
	n, _ := io.Copy(io.Discard, body) // or save it somewhere
	fmt.Println(n, "bytes")
	r.Finish() // closes the file
	// Output: 5242880 bytes
}

// The files of a multipart form, read where they lie in the body.
func ExampleRequest_Files() {
	body := "--b\r\n" +
		"Content-Disposition: form-data; name=\"title\"\r\n\r\nHoliday\r\n--b\r\n" +
		"Content-Disposition: form-data; name=\"photo\"; filename=\"beach.jpg\"\r\n" +
		"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0...\r\n--b--\r\n"
	hr := httptest.NewRequest("POST", "/upload", strings.NewReader(body))
	hr.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	r := request.New(httptest.NewRecorder(), hr, nil)

	files, err := r.Files()
	if err != nil {
		fmt.Println(err) // a *request.StatusError: 400 or 413
		return
	}
	for _, f := range files["photo"] {
		n, _ := io.Copy(io.Discard, f.Open()) // or save it somewhere
		fmt.Println(r.Arg("title"), f.Filename, f.Header.Get("Content-Type"), n, "bytes")
	}
	// Output: Holiday beach.jpg image/jpeg 7 bytes
}

// A body streamed as it arrives, for code that passes it on rather than
// keep it: no size limit, but a client that stops sending is still cut
// after the Site's BodyIdleTimeout, with a 408 StatusError from Read.
func ExampleRequest_Body() {
	hr := httptest.NewRequest("PUT", "/relay", strings.NewReader("a body of any size"))
	r := request.New(httptest.NewRecorder(), hr, nil)

	var upstream bytes.Buffer // a file, a pipe, another server...
	n, err := io.Copy(&upstream, r.Body())
	if err != nil {
		fmt.Println(err) // a *request.StatusError: 408 if the client went quiet
		return
	}
	fmt.Println(n, "bytes relayed")
	// Output: 18 bytes relayed
}
