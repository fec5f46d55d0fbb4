package models

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/loadhook/loadhook/catalog"
)

// APITokenPrefix starts every API token, so a leaked one is easy to spot and
// the event API can refuse anything else without a lookup.
const APITokenPrefix = "lh_"

// apiTokenShownLen is how much of a token is kept in the clear so that its
// owner recognises it in the list: the prefix and 5 more characters.
const apiTokenShownLen = len(APITokenPrefix) + 5

// NewAPIToken makes a token for a user. The value is the prefix and 32 random
// bytes in base64url (43 characters); it is shown once, and the row keeps
// only its hash and its first characters.
// Its scope is catalog.ScopeEvents; the caller sets another one.
func NewAPIToken(userID int64, name string) (row *APIToken, value string) {
	var raw [32]byte
	rand.Read(raw[:])
	value = APITokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	return &APIToken{UserID: userID, Name: name, Prefix: value[:apiTokenShownLen], Hash: HashAPIToken(value), Scope: catalog.ScopeEvents}, value
}

// Allows reports whether the token may use a route that needs scope.
func (t *APIToken) Allows(scope string) bool { return catalog.ScopeAllows(t.Scope, scope) }

// HashAPIToken returns the SHA-256 hex digest stored for an API token; the
// profile page stores it and the event API looks tokens up by it.
func HashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
