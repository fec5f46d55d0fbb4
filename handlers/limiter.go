package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/models"
)

// The limits, each held in the database so that they hold across every
// instance on one Postgres (docs/decisions.md, "Limits are rows").
var (
	// loginAccountLimit counts failed logins of one email, from anywhere:
	// guessing one account's password from many addresses.
	loginAccountLimit = models.RateLimit{Name: "login-account", Max: 5, Window: time.Minute}
	// loginAddressLimit counts failed logins from one address, for any
	// email: trying one password on many accounts.
	loginAddressLimit = models.RateLimit{Name: "login-address", Max: 20, Window: time.Minute}
	// apiAuthLimit counts requests with a bad API token from one address.
	apiAuthLimit = models.RateLimit{Name: "api-auth-address", Max: 30, Window: time.Minute}
	// testSendLimit counts Send test event presses of one user.
	testSendLimit = models.RateLimit{Name: "test-send", Max: 30, Window: time.Minute}
	// resendLimit counts redeliveries and Resend failed presses of one user.
	resendLimit = models.RateLimit{Name: "resend", Max: 10, Window: time.Minute}
)

// Limits above this many remembered blocks stop remembering (the database
// still counts): the memo must not grow with an attacker's address space.
const maxBlockedMemo = 10000

// rateCounterPruneEvery is how often an instance deletes expired counters.
const rateCounterPruneEvery = time.Minute

// rateLimiter counts events against the database-held limits. Once a key is
// over its limit, it remembers until when, and refuses without touching the
// database: a flood from one address costs no writes once it is blocked.
type rateLimiter struct {
	store *models.Store
	log   *slog.Logger
	now   func() time.Time

	mu           sync.Mutex
	blockedUntil map[string]time.Time // limit name + subject → refused until
	nextPrune    time.Time
}

func newRateLimiter(store *models.Store, log *slog.Logger) *rateLimiter {
	return &rateLimiter{store: store, log: log, now: time.Now, blockedUntil: make(map[string]time.Time)}
}

// limitedError is a refusal by a rate limit.
type limitedError struct {
	limit      models.RateLimit
	retryAfter time.Duration
}

func (e *limitedError) Error() string {
	return fmt.Sprintf("over the %s limit (%d per %s); retry after %s", e.limit.Name, e.limit.Max, e.limit.Window, e.retryAfter)
}

// errRateLimited is what every *limitedError is (errors.Is): its row in the
// error table answers 429.
var errRateLimited = errors.New("rate limited")

func (e *limitedError) Unwrap() error { return errRateLimited }

// RetryAfter is how long the client must wait; the error answer sends it.
func (e *limitedError) RetryAfter() time.Duration { return e.retryAfter }

// hit counts one event of subject against l. It returns a *limitedError
// when the event is over the limit.
func (r *rateLimiter) hit(ctx context.Context, l models.RateLimit, subject string) error {
	now := r.now()
	if wait := r.blockedFor(l, subject, now); wait > 0 {
		return &limitedError{limit: l, retryAfter: wait}
	}
	r.pruneIfDue(ctx, now)
	d, err := r.store.HitRate(ctx, l, subject, now)
	if err != nil {
		return err
	}
	if d.Allowed {
		return nil
	}
	r.mu.Lock()
	if len(r.blockedUntil) >= maxBlockedMemo {
		for k, until := range r.blockedUntil {
			if !now.Before(until) {
				delete(r.blockedUntil, k)
			}
		}
	}
	if len(r.blockedUntil) < maxBlockedMemo {
		r.blockedUntil[memoKey(l, subject)] = now.Add(d.RetryAfter)
	}
	r.mu.Unlock()
	return &limitedError{limit: l, retryAfter: d.RetryAfter}
}

// blockedFor reports how long subject is still known to be over l on this
// instance, or 0.
func (r *rateLimiter) blockedFor(l models.RateLimit, subject string, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := memoKey(l, subject)
	until, ok := r.blockedUntil[key]
	if !ok {
		return 0
	}
	if !now.Before(until) {
		delete(r.blockedUntil, key)
		return 0
	}
	return until.Sub(now)
}

// undo takes back the event hit just counted (a login that was right).
func (r *rateLimiter) undo(ctx context.Context, l models.RateLimit, subject string) error {
	return r.store.UndoRateHit(ctx, l, subject, r.now())
}

// reset forgets subject's counter of l.
func (r *rateLimiter) reset(ctx context.Context, l models.RateLimit, subject string) error {
	r.mu.Lock()
	delete(r.blockedUntil, memoKey(l, subject))
	r.mu.Unlock()
	return r.store.ResetRate(ctx, l, subject)
}

// pruneIfDue deletes expired counters, once a minute per instance. A failed
// prune is only logged: the next one catches up.
func (r *rateLimiter) pruneIfDue(ctx context.Context, now time.Time) {
	r.mu.Lock()
	due := !now.Before(r.nextPrune)
	if due {
		r.nextPrune = now.Add(rateCounterPruneEvery)
	}
	r.mu.Unlock()
	if !due {
		return
	}
	if _, err := r.store.PruneRateCounters(ctx, now); err != nil {
		r.log.Warn("prune rate counters", "err", err)
	}
}

func memoKey(l models.RateLimit, subject string) string { return l.Name + "\x00" + subject }

// clientAddress is the subject of the per-address limits: the client's IP,
// and for IPv6 its /64, since one host usually holds a whole /64 and could
// otherwise take a fresh address per request.
func clientAddress(c echo.Context) string {
	ip, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return c.RealIP()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		prefix, _ := ip.Prefix(64)
		return prefix.String()
	}
	return ip.String()
}

// setRetryAfter tells the client in whole seconds (rounded up) when to come
// back.
func setRetryAfter(c echo.Context, wait time.Duration) {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
}

// limitUser counts one action of a user against l. Over the limit, it
// answers 429 with Retry-After and msg, which quotes the limit.
func (s *Server) limitUser(c echo.Context, l models.RateLimit, userID int64, msg string) error {
	err := s.limits.hit(c.Request().Context(), l, strconv.FormatInt(userID, 10))
	var limited *limitedError
	if errors.As(err, &limited) {
		setRetryAfter(c, limited.retryAfter)
		return echo.NewHTTPError(http.StatusTooManyRequests, msg)
	}
	if err != nil {
		return err
	}
	return nil
}

// perWindow says a limit the way messages quote it: "30 a minute".
func perWindow(l models.RateLimit) string {
	if l.Window == time.Minute {
		return fmt.Sprintf("%d a minute", l.Max)
	}
	return fmt.Sprintf("%d per %s", l.Max, l.Window)
}
