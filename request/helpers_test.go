package request_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// argsLeaf renders its Args as JSON, for every method; an error from Args
// is returned, so the framework answers with its page.
type argsLeaf struct{ resource.Leaf }

func (argsLeaf) Render(r *request.Request) ([]byte, error) {
	args, err := r.Args()
	if err != nil {
		return nil, err
	}
	return json.Marshal(args)
}

// contentLeaf renders the raw request body.
type contentLeaf struct{ resource.Leaf }

func (contentLeaf) Render(r *request.Request) ([]byte, error) { return r.Content() }

// earlyThenLate gets url from a resource that sends "early;" and waits
// until read is closed to send "late". It checks that the client reads
// "early;" before it closes read, so before the render method returns,
// then "late", and returns the response.
func earlyThenLate(t *testing.T, url string, read chan struct{}) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := make([]byte, len("early;"))
	if _, err := io.ReadFull(resp.Body, p); err != nil || string(p) != "early;" {
		t.Fatalf("read %q, %v before the render returned", p, err)
	}
	close(read)
	if rest, _ := io.ReadAll(resp.Body); string(rest) != "late" {
		t.Errorf("then %q, want late", rest)
	}
	return resp
}
