package handlers

import (
	"net/http"
	"sync"
	"time"

	"github.com/loadhook/loadhook/paths"
)

// refusalLogEvery is how often at most the request log writes a refused
// request; the ones in between are only counted.
const refusalLogEvery = 10 * time.Second

// refusalLog keeps refusals (401, 429, a busy 503) out of the request log
// one line each: 10,000 requests with bad tokens wrote 10,000 lines. The
// first refusal of each interval is logged, with how many were left out
// since the previous line.
type refusalLog struct {
	now     func() time.Time
	mu      sync.Mutex
	next    time.Time
	skipped int
}

func newRefusalLog() *refusalLog { return &refusalLog{now: time.Now} }

// isRefusal reports whether a response refused the client on purpose: the
// statuses a flood of bad tokens or guesses produces, and the 503 of a
// login or sign-up that found every hash slot taken.
func isRefusal(status int, path string) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		return path == paths.LogIn || path == paths.SignUp
	}
	return false
}

// admit reports whether this refusal gets a log line, and how many refusals
// were left out before it.
func (r *refusalLog) admit() (logIt bool, skipped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if now.Before(r.next) {
		r.skipped++
		return false, 0
	}
	skipped, r.skipped = r.skipped, 0
	r.next = now.Add(refusalLogEvery)
	return true, skipped
}
