package models

import (
	"crypto/sha256"
	"encoding/hex"
)

// HashAPIToken returns the SHA-256 hex digest stored for an API token; the
// profile page stores it and the event API looks tokens up by it.
func HashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
