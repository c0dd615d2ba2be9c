// Command custom-codes answers /buy with the status 402 Payment Required: a
// render method picks the status before it returns the body.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/site"
)

// PaymentRequired asks for money before it serves anything.
type PaymentRequired struct{ resource.Base }

// RenderGET sets the status, then returns the body as usual.
func (*PaymentRequired) RenderGET(r *request.Request) ([]byte, error) {
	r.SetResponseCode(http.StatusPaymentRequired)
	return []byte("<html><body>Please swipe your credit card.</body></html>"), nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	flag.Parse()
	root := resource.New()
	root.PutChild("buy", &PaymentRequired{})
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
