package websocket_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(idleClientsEnv); addr != "" {
		// The test binary re-executed as the clients of
		// BenchmarkIdleConnections, in a process of their own.
		os.Exit(idleClients(addr))
	}
	goleak.VerifyTestMain(m)
}
