package websocket

// CheckHandshake and OriginAllowed are the handshake's checks, for the
// fuzz tests.
var (
	CheckHandshake = checkHandshake
	OriginAllowed  = originAllowed
)
