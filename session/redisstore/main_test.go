package redisstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// scs.New starts a cleanup goroutine for its default memstore,
		// which the benchmarks replace by scs's Redis store; scs v2.9.0
		// cannot stop it reliably (its stop channel is set inside the
		// goroutine).
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"))
}
