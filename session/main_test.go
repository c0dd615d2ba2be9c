package session_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if where := os.Getenv(nestedChildEnv); where != "" {
		nestedUpdatesChild(where) // exits
	}
	goleak.VerifyTestMain(m)
}
