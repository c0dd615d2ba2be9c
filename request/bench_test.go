package request_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/site"
)

// benchWrites serves a render that writes 10,000 bytes in pieces of size
// n over loopback, and fetches it b.N times.
func benchWrites(b *testing.B, n int) {
	piece := bytes.Repeat([]byte("x"), n)
	s := site.New(testutil.Func(func(r *request.Request) ([]byte, error) {
		for range 10000 / n {
			r.Write(piece)
		}
		return nil, nil
	}))
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()
	fetchLoop(b, srv)
}

// fetchLoop fetches srv's root b.N times, reading each 10,000-byte body.
func fetchLoop(b *testing.B, srv *httptest.Server) {
	client := srv.Client()
	b.SetBytes(10000)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		if m, _ := io.Copy(io.Discard, resp.Body); m != 10000 {
			b.Fatalf("read %d bytes", m)
		}
		resp.Body.Close()
	}
}

// BenchmarkWrites1000x10 and BenchmarkWrites1x10000 compare a render that
// makes 1,000 writes of 10 bytes with one that makes one write of 10,000:
// writes made while rendering are coalesced, so the first costs at most
// 1.5 times the second (docs/performance.md).
func BenchmarkWrites1000x10(b *testing.B) { benchWrites(b, 10) }
func BenchmarkWrites1x10000(b *testing.B) { benchWrites(b, 10000) }

// BenchmarkNetHTTPWrites1000x10 is the same 1,000 writes made by a bare
// net/http handler, for scale.
func BenchmarkNetHTTPWrites1000x10(b *testing.B) {
	piece := []byte("0123456789")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 1000 {
			w.Write(piece)
		}
	}))
	defer srv.Close()
	fetchLoop(b, srv)
}
