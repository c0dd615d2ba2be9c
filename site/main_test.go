package site_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(runChildEnv) != "" {
		runChild() // the test binary as a command-line program: see run_test.go
		return
	}
	goleak.VerifyTestMain(m)
}
