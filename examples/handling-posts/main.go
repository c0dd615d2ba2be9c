// Command handling-posts serves a form at /form and answers its POST with
// the value submitted, HTML-escaped.
package main

import (
	"errors"
	"flag"
	"html"
	"log"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

const head = "<!DOCTYPE html><html><head><meta charset='utf-8'><title></title></head><body>"

// FormPage shows a form on GET and what was sent on POST.
type FormPage struct{ resource.Base }

// RenderGET returns the form, which posts back to the same URL.
func (*FormPage) RenderGET(r *request.Request) ([]byte, error) {
	return []byte(head + "<form method='POST'><input name='the-field'></form>"), nil
}

// RenderPOST reads the field from the decoded form body (urlencoded or
// multipart) and shows it, escaped so that it cannot inject markup.
func (*FormPage) RenderPOST(r *request.Request) ([]byte, error) {
	args, err := r.Args()
	if err != nil {
		return nil, err // 400 for a malformed body, 413 for one too large
	}
	field, ok := args["the-field"]
	if !ok {
		return nil, errors.New("no the-field in the form") // 500
	}
	return []byte(head + "You submitted: " + html.EscapeString(field[0])), nil
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
