package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxAttempts is how many attempts a message gets (SPEC.md).
const MaxAttempts = 4

// MaxRetryDelay caps the rest between two attempts of a message, a
// receiver's Retry-After included (SPEC.md).
const MaxRetryDelay = 10 * time.Second

// RetryDelay is the rest before retry n (n = 1, 2, 3), counted from the end
// of the failed attempt: min(2^(n-1) s, 10 s).
func RetryDelay(n int) time.Duration {
	if n < 1 {
		return 0
	}
	if n > 5 {
		return MaxRetryDelay
	}
	return min(time.Duration(1<<(n-1))*time.Second, MaxRetryDelay)
}

// RetryRest is the rest before retry n after a failed attempt whose receiver
// asked, with Retry-After, for retryAfter (0 when it did not): RetryDelay(n),
// lengthened to retryAfter up to MaxRetryDelay. A receiver may ask for a
// longer rest, never for a shorter one.
func RetryRest(n int, retryAfter time.Duration) time.Duration {
	return max(RetryDelay(n), min(retryAfter, MaxRetryDelay))
}

// AttemptDue is when attempt k (1-based) of a message starts for a receiver
// that fails at once, t0 being the start of the first: each rest counts
// from the end of the attempt before it, and such attempts end as they
// start, so t0, +1 s, +3 s, +7 s.
func AttemptDue(t0 time.Time, k int) time.Time {
	due := t0
	for n := 1; n < k; n++ {
		due = due.Add(RetryDelay(n))
	}
	return due
}

// parseRetryAfter reads a Retry-After header (RFC 9110: delay-seconds or an
// HTTP-date) as a wait from now; 0 when it is absent, malformed or past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(value, 10, 64); err == nil {
		// Anything past the cap is the cap; this also keeps the product
		// from overflowing.
		return time.Duration(min(secs, uint64(MaxRetryDelay/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}
