//go:build unix

package cgi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/cgi"
	"github.com/gotwisted/web/site"
)

// printGet prints the status and body of a GET.
func printGet(url string) {
	resp, err := http.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s", resp.StatusCode, body)
}

func ExampleNewScript() {
	dir, _ := os.MkdirTemp("", "cgi")
	defer os.RemoveAll(dir)
	hello := filepath.Join(dir, "hello.cgi")
	os.WriteFile(hello, []byte(`#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo "script $SCRIPT_NAME, path $PATH_INFO, query $QUERY_STRING"
`), 0o755)

	root := resource.New()
	root.PutChild("hello", cgi.NewScript(hello))
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	printGet(srv.URL + "/hello/to/you?lang=en")
	// Output:
	// 200 script /hello, path /to/you, query lang=en
}

func ExampleNewFilteredScript() {
	dir, _ := os.MkdirTemp("", "cgi")
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "page.sh")
	// An interpreter reads the file: it need not be executable.
	os.WriteFile(page, []byte(`printf 'Status: 201 Created\nContent-Type: text/plain\n\n'
echo "run by $(basename "$0") with $# arguments"
`), 0o644)

	root := resource.New()
	root.PutChild("page", cgi.NewFilteredScript(page, "/bin/sh"))
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	printGet(srv.URL + "/page?two+words")
	// Output:
	// 201 run by page.sh with 2 arguments
}

func ExampleNewDirectory() {
	dir, _ := os.MkdirTemp("", "cgi-bin")
	defer os.RemoveAll(dir)
	os.Mkdir(filepath.Join(dir, "tools"), 0o755)
	os.WriteFile(filepath.Join(dir, "tools", "echo.cgi"), []byte(`#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo "$SCRIPT_NAME $PATH_INFO"
`), 0o755)

	bin, err := cgi.NewDirectory(dir)
	if err != nil {
		panic(err)
	}
	defer bin.Close()
	root := resource.New()
	root.PutChild("cgi-bin", bin)
	s := site.New(root)
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	printGet(srv.URL + "/cgi-bin/tools/echo.cgi/a/b")
	resp, _ := http.Get(srv.URL + "/cgi-bin/tools/missing.cgi")
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// 200 /cgi-bin/tools/echo.cgi /a/b
	// 404
}

func ExampleOptions() {
	dir, _ := os.MkdirTemp("", "cgi")
	defer os.RemoveAll(dir)
	slow := filepath.Join(dir, "slow.cgi")
	os.WriteFile(slow, []byte("#!/bin/sh\nsleep 60\n"), 0o755)

	script := cgi.NewScript(slow)
	script.Timeout = 100 * time.Millisecond // then the script's process group is killed
	script.Env = []string{"APP_MODE=demo"}
	s := site.New(script)
	s.Logger = slog.New(slog.DiscardHandler) // the log says why: the script timed out
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, _ := http.Get(srv.URL)
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 504 Gateway Timeout
}
