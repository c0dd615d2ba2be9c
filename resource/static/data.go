package static

import (
	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
)

// Data serves one fixed body with one Content-Type (Twisted's static.Data):
// GET returns it with a Content-Length, HEAD sends the same headers and no
// body, and other methods get 405. Data is not a leaf: like any resource it
// may have children, and a path below it without one, such as the trailing
// slash of "/data/", is a 404.
//
// Make one with NewData. A Data is safe for concurrent use.
type Data struct {
	resource.Base
	body  []byte
	ctype string
}

// NewData returns a Data that serves body as contentType. body is not
// copied and must not change afterwards.
func NewData(body []byte, contentType string) *Data {
	if body == nil {
		body = []byte{}
	}
	return &Data{body: body, ctype: contentType}
}

// RenderGET sets the Content-Type and returns the body; for HEAD the
// framework sends its Content-Length and drops it.
func (d *Data) RenderGET(r *request.Request) ([]byte, error) {
	r.SetHeader("Content-Type", d.ctype)
	return d.body, nil
}
