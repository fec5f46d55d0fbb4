package models

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// The prefixes of event and message ids, named in catalog.
const (
	EventIDPrefix   = catalog.EventIDPrefix
	MessageIDPrefix = catalog.MessageIDPrefix
)

// idAlphabet is Crockford's base32 in lower case: no i, l, o or u, so an id
// read aloud or retyped is not mistaken.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// idDigits is how many idAlphabet digits follow the prefix: 128 bits.
const idDigits = 26

// NewID returns prefix + a 26-character time-ordered id (48-bit millisecond
// timestamp, then 80 random bits, Crockford base32 in lower case), so ids
// sort by creation time and the delivery log can page by id.
func NewID(prefix string) string { return NewIDAt(prefix, time.Now()) }

// NewIDAt is NewID for the moment t; tests seed rows dated in the past with it.
func NewIDAt(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	rand.Read(b[6:])
	out := make([]byte, len(prefix)+idDigits)
	copy(out, prefix)
	// Encode 128 bits as 26 base32 digits, most significant first.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := idDigits - 1; i >= 0; i-- {
		out[len(prefix)+i] = idAlphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}

// IsID reports whether s has the shape of an id NewID made with prefix, so
// that a typed id can be checked before it reaches a query.
func IsID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != idDigits {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(idAlphabet, rune(rest[i])) {
			return false
		}
	}
	return true
}
