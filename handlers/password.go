package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// argonParams are the argon2id cost parameters of new hashes; OWASP's
// recommendation (19 MiB, 2 passes, 1 lane). Each hash records its own
// parameters, so raising them later keeps old hashes working.
type argonParams struct {
	memoryKiB uint32
	time      uint32
	threads   uint8
	keyLen    uint32
}

var defaultArgon = argonParams{memoryKiB: 19 * 1024, time: 2, threads: 1, keyLen: 32}

var errBadHash = errors.New("malformed password hash")

// hashPassword returns a PHC-style argon2id string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, base64 without padding.
func hashPassword(password string) string {
	return hashPasswordWith(password, defaultArgon)
}

func hashPasswordWith(password string, p argonParams) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memoryKiB, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether password matches hash, comparing in constant time.
func checkPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memoryKiB, &p.time, &p.threads); err != nil {
		return false, errBadHash
	}
	// Refuse absurd parameters rather than let a bad row eat the server's memory.
	if p.memoryKiB == 0 || p.memoryKiB > 1<<20 || p.time == 0 || p.time > 100 || p.threads == 0 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the email has no account, so a wrong
// email takes as long as a wrong password and does not reveal which it was.
var dummyHash = sync.OnceValue(func() string { return hashPassword("not a real password, only for timing") })

// maxHashSlots caps the hashes in flight on big machines: each holds
// defaultArgon.memoryKiB (19 MiB) while it runs.
const maxHashSlots = 8

// hashSlots is how many argon2id hashes run at once: one per core, since a
// hash is CPU work and more at once only queue for the cores, up to
// maxHashSlots. Memory stays at hashSlots × 19 MiB whatever the login rate.
func hashSlots() int { return min(runtime.GOMAXPROCS(0), maxHashSlots) }

// hashWait is how long a login or sign-up waits for a free hash slot before
// it is told to come back.
const hashWait = 2 * time.Second

// hashBusyRetry is the Retry-After of a request refused for lack of a slot.
const hashBusyRetry = 2 * time.Second

// errHashBusy means every hash slot stayed taken for hashWait.
var errHashBusy = errors.New("too many password checks in progress")

// passwordHasher hashes and checks passwords with a bound on the hashes in
// flight: without one, 400 parallel wrong logins took 7.4 GB.
type passwordHasher struct {
	slots chan struct{}
	wait  time.Duration
	// inHash, when set, runs in each hash's slot before the hash; tests use
	// it to count the hashes in flight.
	inHash func()
}

func newPasswordHasher(slots int, wait time.Duration) *passwordHasher {
	return &passwordHasher{slots: make(chan struct{}, slots), wait: wait}
}

// acquire takes a slot, waiting at most h.wait.
func (h *passwordHasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return errHashBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run computes one hash in a slot.
func (h *passwordHasher) run(ctx context.Context, hash func()) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer func() { <-h.slots }()
	if h.inHash != nil {
		h.inHash()
	}
	hash()
	return nil
}

// hash returns the argon2id hash of a new password.
func (h *passwordHasher) hash(ctx context.Context, pw string) (string, error) {
	var out string
	err := h.run(ctx, func() { out = hashPassword(pw) })
	return out, err
}

// check reports whether password matches hash.
func (h *passwordHasher) check(ctx context.Context, hash, pw string) (bool, error) {
	var ok bool
	var checkErr error
	if err := h.run(ctx, func() { ok, checkErr = checkPassword(hash, pw) }); err != nil {
		return false, err
	}
	return ok, checkErr
}

// checkNobody costs what check costs, for an email without an account.
func (h *passwordHasher) checkNobody(ctx context.Context, pw string) error {
	return h.run(ctx, func() { _, _ = checkPassword(dummyHash(), pw) })
}
