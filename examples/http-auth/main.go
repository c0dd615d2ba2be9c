// Command http-auth asks each visitor for a username and password (HTTP
// Digest authentication, and Basic too with -basic), checks them against a
// password file (-passwd), and serves each user their own directory,
// <path>/<user>, at /.
package main

import (
	"errors"
	"flag"
	"io/fs"
	"log"
	"path/filepath"
	"sync"

	"github.com/gotwisted/web/request"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/guard"
	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

// PublicHTMLRealm gives each user the tree they may see: the directory of
// their name under dir, opened at their first visit and kept.
type PublicHTMLRealm struct {
	dir   string
	mu    sync.Mutex
	files map[string]*static.File
}

// Avatar returns user's directory, or the 404 page if there is none.
func (p *PublicHTMLRealm) Avatar(user string, r *request.Request) (resource.Resource, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f, ok := p.files[user]; ok {
		return f, nil
	}
	f, err := static.NewFile(filepath.Join(p.dir, user))
	if errors.Is(err, fs.ErrNotExist) {
		return resource.NoResource("File not found."), nil
	} else if err != nil {
		return nil, err
	}
	p.files[user] = f
	return f, nil
}

func main() {
	addr := flag.String("addr", ":8880", "address to listen on")
	path := flag.String("path", ".", "directory that holds a directory per user")
	passwd := flag.String("passwd", "httpd.password", "password file, one user:password a line")
	basic := flag.Bool("basic", false, "offer Basic too (it sends passwords in clear: use it over TLS)")
	flag.Parse()
	realm := &PublicHTMLRealm{dir: *path, files: make(map[string]*static.File)}
	schemes := []guard.Scheme{guard.NewDigest("localhost:8880", nil)}
	if *basic {
		schemes = append(schemes, guard.Basic("localhost:8880"))
	}
	root := guard.New(realm, guard.NewPasswordFile(*passwd), schemes...)
	if err := site.New(root).Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
