// Command other-request-bodies is handling-posts with the body shown as it
// came, undecoded: Content gives the raw bytes of any kind of body.
package main

import (
	"flag"
	"html"
	"log"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

const head = "<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body>"

// FormPage shows a form on GET and the raw body of a POST.
type FormPage struct{ resource.Base }

// RenderGET returns the form, which posts back to the same URL.
func (*FormPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte(head + "<form method='POST'><input name='the-field'></form>"), nil
}

// RenderPOST shows the request body, whatever its Content-Type, escaped.
func (*FormPage) RenderPOST(r *request.Request) ([]byte, error) {
	body, err := r.Content()
	if err != nil {
		return nil, err // a body over the Site's limit: 413
	}
	return []byte(head + "You submitted: " + html.EscapeString(string(body))), nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("form", &FormPage{})
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
