package guard

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/gotwisted/web/request"
)

// Digest algorithms (RFC 7616 §3.3).
const (
	MD5    = "MD5"
	SHA256 = "SHA-256"
)

// DefaultNonceLifetime is how long a Digest nonce stays fresh, as Twisted's
// challenge lifetime.
const DefaultNonceLifetime = 15 * time.Minute

// Digest is the Digest scheme (RFC 7616) with qop=auth, for MD5 and
// SHA-256 (Twisted's DigestCredentialFactory). Make one with NewDigest and
// set its fields before serving.
//
// Nonces are signed, not stored: a nonce carries the time it was made and
// an HMAC-SHA256 over it with the Digest's key, so any server sharing the
// key accepts it until NonceLifetime has passed; after that the client is
// asked again with stale=true. The opaque value is an HMAC of the realm.
// All comparisons of secrets take constant time.
//
// Each response is accepted once (RFC 7616 §3.4): the Digest
// remembers, per nonce, the nonce counts (nc) it has accepted, within a
// window of 64 below the highest, since browsers send requests on parallel
// connections and their counts arrive out of order. A count seen before,
// or more than 63 below the highest, is refused as stale (the client
// retries with a fresh nonce without asking its user again). The record
// holds at most MaxNonces nonces, each forgotten when it expires, or the
// oldest first when room is needed; a nonce forgotten for room is stale
// from then on, so nothing forgotten can be replayed. The record is this
// process's: servers that share the key do not share it, so a response
// captured on its way to one of them can still be replayed, once, to each
// of the others, until its nonce expires. Serve over TLS.
type Digest struct {
	// Algorithms lists the algorithms offered, one challenge each, in order
	// of preference; values other than MD5 and SHA256 are ignored.
	// NewDigest sets SHA256, then MD5 (for older clients).
	Algorithms []string

	// NonceLifetime is how long a nonce is accepted. NewDigest sets
	// DefaultNonceLifetime.
	NonceLifetime time.Duration

	// MaxNonces is the most nonces whose counts are remembered (about 100
	// bytes each); zero means DefaultMaxNonces. Beyond it the oldest nonce
	// is forgotten and becomes stale.
	MaxNonces int

	counts counts

	realm  string
	key    []byte
	opaque string
	now    func() time.Time // the clock; time.Now but in tests
}

// NewDigest returns the Digest scheme for the named realm. key signs its
// nonces: give the same key to every server of a cluster; nil makes a
// random one, so that nonces die with the process.
func NewDigest(realm string, key []byte) *Digest {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	d := &Digest{
		Algorithms:    []string{SHA256, MD5},
		NonceLifetime: DefaultNonceLifetime,
		realm:         realm,
		key:           key,
		now:           time.Now,
	}
	d.opaque = hex.EncodeToString(d.mac([]byte("opaque\x00" + realm)))
	return d
}

// Name returns "Digest".
func (d *Digest) Name() string { return "Digest" }

// Challenges returns one challenge per algorithm, with a fresh nonce, and
// stale=true when err says the client's nonce expired.
func (d *Digest) Challenges(r *request.Request, err error) []string {
	nonce := d.nonce()
	var out []string
	for _, alg := range d.Algorithms {
		if hashFor(alg) == nil {
			continue
		}
		c := `Digest realm=` + quote(d.realm) + `, qop="auth", algorithm=` + alg +
			`, nonce="` + nonce + `", opaque="` + d.opaque + `"`
		if errors.Is(err, ErrStale) {
			c += ", stale=true"
		}
		out = append(out, c)
	}
	return out
}

func hashFor(alg string) func() hash.Hash {
	switch alg {
	case MD5:
		return md5.New
	case SHA256:
		return sha256.New
	}
	return nil
}

func (d *Digest) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(d.realm))
	m.Write([]byte{0})
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)[:16]
}

// nonce returns base64url(time ‖ random ‖ HMAC(time ‖ random)).
func (d *Digest) nonce() string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[:8], uint64(d.now().UnixNano()))
	rand.Read(b[8:16])
	copy(b[16:], d.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkNonce reports whether nonce is one of ours, and whether it is still
// fresh at now; it returns the nonce's id and when it was made.
func (d *Digest) checkNonce(nonce string, now time.Time) (id nonceID, made time.Time, ours, fresh bool) {
	var b [32]byte
	if base64.RawURLEncoding.DecodedLen(len(nonce)) != len(b) {
		return id, made, false, false
	}
	if n, err := base64.RawURLEncoding.Decode(b[:], []byte(nonce)); err != nil || n != len(b) {
		return id, made, false, false
	}
	if !hmac.Equal(b[16:], d.mac(b[:16])) {
		return id, made, false, false
	}
	copy(id[:], b[:16])
	made = time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := now.Sub(made)
	return id, made, true, age >= -time.Minute && age <= d.NonceLifetime
}

func unauthorizedf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnauthorized}, args...)...)
}

// Authenticate verifies a Digest response with qop=auth (RFC 7616 §3.4.1).
// c must be a PasswordSource (New checks it).
func (d *Digest) Authenticate(creds string, r *request.Request, c Checker) (string, error) {
	p, err := parseDigest(creds)
	if err != nil {
		return "", unauthorizedf("malformed Digest credentials")
	}
	user := p["username"]
	alg := strings.ToUpper(p["algorithm"])
	if alg == "" {
		alg = MD5 // RFC 7616 §3.3: the default
	}
	newHash := hashFor(alg)
	nc, ncOK := parseNC(p["nc"])
	switch {
	case user == "" || p["userhash"] == "true":
		return "", unauthorizedf("Digest without a plain username")
	case p["realm"] != d.realm:
		return "", unauthorizedf("Digest for another realm")
	case newHash == nil || !offered(d.Algorithms, alg):
		return "", unauthorizedf("Digest algorithm %q not offered", alg)
	case p["qop"] != "auth" || !ncOK || p["cnonce"] == "" || p["response"] == "":
		return "", unauthorizedf("Digest without qop=auth, nc, cnonce and response")
	case p["uri"] != r.URI():
		return "", unauthorizedf("Digest for another URI")
	case subtle.ConstantTimeCompare([]byte(p["opaque"]), []byte(d.opaque)) != 1:
		return "", unauthorizedf("Digest with a wrong opaque")
	}
	now := d.now()
	id, made, ours, fresh := d.checkNonce(p["nonce"], now)
	if !ours {
		return "", unauthorizedf("Digest with a nonce not ours")
	}
	password, known, err := c.(PasswordSource).Password(user)
	if err != nil {
		return "", err
	}
	h := func(s string) string {
		hh := newHash()
		hh.Write([]byte(s))
		return hex.EncodeToString(hh.Sum(nil))
	}
	ha1 := h(user + ":" + d.realm + ":" + password)
	ha2 := h(r.Method() + ":" + p["uri"])
	want := h(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	got := strings.ToLower(p["response"])
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 || !known {
		return "", unauthorizedf("wrong Digest response for %q", user)
	}
	if !fresh {
		return "", ErrStale
	}
	// Recorded only now that the response is known right, so that nobody
	// without the password can use up a client's counts.
	if err := d.counts.use(id, made, nc, now, d.NonceLifetime, d.MaxNonces); err != nil {
		return "", err
	}
	return user, nil
}

func offered(algs []string, alg string) bool {
	for _, a := range algs {
		if a == alg {
			return true
		}
	}
	return false
}

// parseNC returns the nonce count written as nc, which must be exactly 8
// hexadecimal digits (RFC 7616 §3.4).
func parseNC(nc string) (uint32, bool) {
	var b [4]byte
	if len(nc) != 8 {
		return 0, false
	}
	if _, err := hex.Decode(b[:], []byte(nc)); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[:]), true
}
