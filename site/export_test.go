package site

import (
	"context"
	"net"
)

// ServeContext exposes serve to the tests: it serves until ctx is done.
func ServeContext(s *Site, ctx context.Context, ln net.Listener) error { return s.serve(ctx, ln) }
