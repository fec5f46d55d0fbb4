// Package password hashes and checks account passwords with argon2id. It is
// pure CPU work with no bound on how many run at once; the web app runs it
// in hash slots (handlers/password.go), the operator CLI calls it directly.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// params are the argon2id cost parameters of new hashes; OWASP's
// recommendation (19 MiB, 2 passes, 1 lane). Each hash records its own
// parameters, so raising them later keeps old hashes working.
type params struct {
	memoryKiB uint32
	time      uint32
	threads   uint8
	keyLen    uint32
}

var defaultParams = params{memoryKiB: 19 * 1024, time: 2, threads: 1, keyLen: 32}

// ErrMalformedHash means a stored hash is not an argon2id string this
// package can check.
var ErrMalformedHash = errors.New("malformed password hash")

// Hash returns a PHC-style argon2id string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, base64 without padding.
func Hash(password string) string {
	return hashWith(password, defaultParams)
}

func hashWith(password string, p params) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memoryKiB, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Check reports whether password matches hash, comparing in constant time.
func Check(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memoryKiB, &p.time, &p.threads); err != nil {
		return false, ErrMalformedHash
	}
	// Refuse absurd parameters rather than let a bad row eat the server's memory.
	if p.memoryKiB == 0 || p.memoryKiB > 1<<20 || p.time == 0 || p.time > 100 || p.threads == 0 {
		return false, ErrMalformedHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
