package handlers

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/loadhook/loadhook/internal/password"
)

// dummyHash is checked against when the email has no account, so a wrong
// email takes as long as a wrong password and does not reveal which it was.
var dummyHash = sync.OnceValue(func() string { return password.Hash("not a real password, only for timing") })

// maxHashSlots caps the hashes in flight on big machines: each holds
// 19 MiB (password.Hash's argon2id memory) while it runs.
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
	err := h.run(ctx, func() { out = password.Hash(pw) })
	return out, err
}

// check reports whether password matches hash.
func (h *passwordHasher) check(ctx context.Context, hash, pw string) (bool, error) {
	var ok bool
	var checkErr error
	if err := h.run(ctx, func() { ok, checkErr = password.Check(hash, pw) }); err != nil {
		return false, err
	}
	return ok, checkErr
}

// checkNobody costs what check costs, for an email without an account.
func (h *passwordHasher) checkNobody(ctx context.Context, pw string) error {
	return h.run(ctx, func() { _, _ = password.Check(dummyHash(), pw) })
}
