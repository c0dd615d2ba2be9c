package site

import "net"

// LimitConns exposes limitConns to the tests.
func LimitConns(s *Site, ln net.Listener) net.Listener { return s.limitConns(ln) }

// EffectiveMaxConns exposes maxConns to the tests.
func EffectiveMaxConns(s *Site) int { return s.maxConns() }
