package xmlrpc_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/gotwisted/web/resource/xmlrpc"
	"github.com/gotwisted/web/site"
)

// BenchmarkCall measures one call, add(1, 2), over HTTP on loopback with a
// keep-alive Go client: answered by this package ("gotwisted") and by
// twisted.web.xmlrpc ("twisted", testdata/twisted_server.py, skipped
// without python3-twisted), both started once. The -parallel variants keep
// GOMAXPROCS clients busy at once.
func BenchmarkCall(b *testing.B) {
	body, err := xmlrpc.EncodeCall("add", 1, 2)
	if err != nil {
		b.Fatal(err)
	}
	srv, _ := serve(b, rpc2(xmlrpc.New(Example{})))
	gotwisted, twisted := srv.URL+"/RPC2", startTwisted(b)
	for _, tc := range []struct {
		name     string
		url      string
		parallel bool
	}{
		{"gotwisted", gotwisted, false},
		{"twisted", twisted, false},
		{"gotwisted-parallel", gotwisted, true},
		{"twisted-parallel", twisted, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if tc.url == "" {
				b.Skip("no python3 with twisted.web.xmlrpc: apt-get install -y python3-twisted")
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.ReportAllocs()
			if tc.parallel {
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						postAdd(b, c, tc.url, body)
					}
				})
				return
			}
			for b.Loop() {
				postAdd(b, c, tc.url, body)
			}
		})
	}
}

// BenchmarkCallServeHTTP measures the server's share of one call: the Site
// and the Resource answering add(1, 2), in process, without a network.
func BenchmarkCallServeHTTP(b *testing.B) {
	body, _ := xmlrpc.EncodeCall("add", 1, 2)
	s := site.New(rpc2(xmlrpc.New(Example{})))
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", "/RPC2", bytes.NewReader(body)))
		if !strings.Contains(w.Body.String(), "<int>3</int>") {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// postAdd makes the call and checks the answer.
func postAdd(b *testing.B, c *http.Client, url string, body []byte) {
	resp, err := c.Post(url, "text/xml", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Contains(out, []byte("<int>3</int>")) {
		b.Errorf("%v: %s", err, out)
	}
}

// startTwisted runs testdata/twisted_server.py until the benchmark ends and
// returns the URL of its XML-RPC resource, or "" without python3-twisted.
func startTwisted(b *testing.B) string {
	var py string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import twisted.web.xmlrpc").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		return ""
	}
	cmd := exec.Command(py, "testdata/twisted_server.py")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		b.Fatalf("twisted_server.py said %q (%v)", line, err)
	}
	return addr + "/RPC2"
}
