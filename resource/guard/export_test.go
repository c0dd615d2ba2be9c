package guard

import "time"

// ParseDigest exposes the Digest parser to the black-box tests.
var ParseDigest = parseDigest

// SetClock replaces the clock d reads, for nonce-expiry tests.
func (d *Digest) SetClock(now func() time.Time) { d.now = now }

// NoncesHeld returns how many nonces d remembers the counts of.
func (d *Digest) NoncesHeld() int { return d.counts.held() }

// NewNonce returns a fresh nonce of d, as a challenge carries.
func (d *Digest) NewNonce() string { return d.nonce() }

// UseCount records the count nc for nonce, as a right response with them
// does, and returns the error the response would get.
func (d *Digest) UseCount(nonce string, nc uint32) error {
	now := d.now()
	id, made, ours, fresh := d.checkNonce(nonce, now)
	if !ours || !fresh {
		return ErrUnauthorized
	}
	return d.counts.use(id, made, nc, now, d.NonceLifetime, d.MaxNonces)
}
