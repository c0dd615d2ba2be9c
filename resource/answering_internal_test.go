package resource

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gotwisted/web/request"
)

// spy records which of its render methods Render called.
type spy struct {
	Base
	called string
}

func (s *spy) hit(name string) ([]byte, error) {
	s.called = name
	return []byte{}, nil
}

type (
	spyGET     struct{ spy }
	spyGETHEAD struct{ spy }
	spyPOST    struct{ spy }
	spyAll     struct{ spy }
	spyRender  struct{ spy }
	spyExtra   struct{ spy }
	spyNone    struct{ spy }
)

func (s *spyGET) RenderGET(*request.Request) ([]byte, error)      { return s.hit("RenderGET") }
func (s *spyGETHEAD) RenderGET(*request.Request) ([]byte, error)  { return s.hit("RenderGET") }
func (s *spyGETHEAD) RenderHEAD(*request.Request) ([]byte, error) { return s.hit("RenderHEAD") }
func (s *spyPOST) RenderPOST(*request.Request) ([]byte, error)    { return s.hit("RenderPOST") }
func (s *spyAll) RenderGET(*request.Request) ([]byte, error)      { return s.hit("RenderGET") }
func (s *spyAll) RenderPOST(*request.Request) ([]byte, error)     { return s.hit("RenderPOST") }
func (s *spyAll) RenderPUT(*request.Request) ([]byte, error)      { return s.hit("RenderPUT") }
func (s *spyAll) RenderDELETE(*request.Request) ([]byte, error)   { return s.hit("RenderDELETE") }
func (s *spyAll) RenderPATCH(*request.Request) ([]byte, error)    { return s.hit("RenderPATCH") }
func (s *spyAll) RenderOPTIONS(*request.Request) ([]byte, error)  { return s.hit("RenderOPTIONS") }
func (s *spyRender) Render(*request.Request) ([]byte, error)      { return s.hit("Render") }
func (s *spyExtra) RenderGET(*request.Request) ([]byte, error)    { return s.hit("RenderGET") }
func (s *spyExtra) ExtraMethods() []string                        { return []string{"HEH", "OPTIONS"} }
func (s *spyExtra) RenderExtra(m string, _ *request.Request) ([]byte, error) {
	return s.hit("RenderExtra(" + m + ")")
}

// TestAnsweringFollowsRender: what the inspector says answered a request
// is what Render called, for every kind of resource and method.
func TestAnsweringFollowsRender(t *testing.T) {
	makers := map[string]func() (Resource, *spy){
		"GET":     func() (Resource, *spy) { r := new(spyGET); return r, &r.spy },
		"GETHEAD": func() (Resource, *spy) { r := new(spyGETHEAD); return r, &r.spy },
		"POST":    func() (Resource, *spy) { r := new(spyPOST); return r, &r.spy },
		"all":     func() (Resource, *spy) { r := new(spyAll); return r, &r.spy },
		"Render":  func() (Resource, *spy) { r := new(spyRender); return r, &r.spy },
		"extra":   func() (Resource, *spy) { r := new(spyExtra); return r, &r.spy },
		"none":    func() (Resource, *spy) { r := new(spyNone); return r, &r.spy },
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "HEH", "BREW"}
	for kind, make := range makers {
		for _, m := range methods {
			res, s := make()
			rec := httptest.NewRecorder()
			r := request.New(rec, httptest.NewRequest(m, "/", nil), nil)
			if _, err := Render(res, r); err != nil {
				t.Fatalf("%s %s: %v", kind, m, err)
			}
			var did string
			switch code := r.ResponseCode(); {
			case s.called != "":
				did = s.called
				if m == "HEAD" && did == "RenderGET" {
					did = "RenderGET (for HEAD)"
				}
			case code == 405 || code == 501:
				did = strconv.Itoa(code)
			case m == "OPTIONS" && code == 200:
				did = "OPTIONS: the Allow list"
			default:
				did = "status " + strconv.Itoa(code)
			}
			if said := answering(res, m); !strings.HasPrefix(said, did) {
				t.Errorf("%s %s: Render did %q, answering says %q", kind, m, did, said)
			}
		}
	}
}
