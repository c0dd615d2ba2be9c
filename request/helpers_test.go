package request_test

import (
	"encoding/json"

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
