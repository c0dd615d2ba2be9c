package site

import (
	"context"
	"io"
)

// RunContext exposes run to the tests: it serves until ctx is done, printing
// to out.
func RunContext(s *Site, ctx context.Context, out io.Writer, eps ...Endpoint) error {
	return s.run(ctx, out, eps)
}
