package guard

import "time"

// ParseDigest exposes the Digest parser to the black-box tests.
var ParseDigest = parseDigest

// SetClock replaces the clock d reads, for nonce-expiry tests.
func (d *Digest) SetClock(now func() time.Time) { d.now = now }
