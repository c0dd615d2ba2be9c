package site

import (
	"context"
	"io"
)

// RunContext exposes run to the tests: it serves until ctx is done, printing
// to out, and nothing cuts its grace short.
func RunContext(s *Site, ctx context.Context, out io.Writer, eps ...Endpoint) error {
	never := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
	return s.run(ctx, never, out, eps)
}
