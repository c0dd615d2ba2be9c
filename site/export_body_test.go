package site

// EffectiveMaxConns exposes maxConns to the tests.
func EffectiveMaxConns(s *Site) int { return s.maxConns() }
