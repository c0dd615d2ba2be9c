package redisstore_test

import (
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/session/redisstore"
	"github.com/gotwisted/web/site"
)

// A Site whose sessions are in Redis: run two copies of this program on
// two ports (or two machines) and they share their visitors.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()

	root := resource.New()
	// root.PutChild(...): resources that call r.GetSession()
	s := site.New(root)
	s.SessionStore = redisstore.New(client, redisstore.Options{})
	if err := s.Run(site.TCP(":8080")); err != nil {
		log.Fatal(err)
	}
}
