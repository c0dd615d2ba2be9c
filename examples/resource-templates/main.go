// Command resource-templates renders an html/template page at /. It greets
// ?name= (or the world) and shows the time of the request; the same name
// appears in text, in a URL and in a script, each escaped for its context.
package main

import (
	"flag"
	"html/template"
	"log"
	"time"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	webtemplate "github.com/gotwisted/web/resource/template"
	"github.com/gotwisted/web/site"
)

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Hello</title></head>
<body>
<p>Hello, {{.Name}}!</p>
<p>It is {{.Time.Format "Mon Jan _2 15:04:05 2006"}}.</p>
<p><a href="/?name={{.Name}}">Link to this greeting</a></p>
<script>const name = {{.Name}};</script>
</body></html>
`))

// greeting is what the template shows.
type greeting struct {
	Name string
	Time time.Time
}

// greet computes the template's data for a request.
func greet(r *request.Request) (any, error) {
	name := r.Arg("name")
	if name == "" {
		name = "world"
	}
	return greeting{Name: name, Time: time.Now()}, nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("", webtemplate.New(page, greet))
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
