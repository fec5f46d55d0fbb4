package webhook

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/loadhook/loadhook/metrics"
)

// endpointLimiter caps the attempts in flight per endpoint, so one endpoint
// that hangs cannot take every worker from the others. The cap is for the
// whole cluster: with n live instances, each takes its share (see setShare),
// so together they never exceed it.
type endpointLimiter struct {
	limit int
	mu    sync.Mutex
	// share is this process's part of limit; limit while it runs alone.
	share int
	slots map[int64]*endpointSlots
	// metrics sees every slot taken and freed, as in-flight per endpoint.
	metrics *metrics.Metrics
}

type endpointSlots struct {
	inFlight int
	waiting  int
	// freed wakes waiters when a slot is released; a stale wake-up only
	// makes a waiter look again.
	freed chan struct{}
	// typical is a moving average of the endpoint's attempt durations.
	typical time.Duration
	// progressAt is when a slot was last freed, or taken while none was.
	progressAt time.Time
}

func newEndpointLimiter(limit int, m *metrics.Metrics) *endpointLimiter {
	return &endpointLimiter{limit: limit, share: limit, slots: make(map[int64]*endpointSlots), metrics: m}
}

// setShare divides the cap among n live instances, this one being the
// rank-th of them (0-based, in an order they all agree on): the shares add
// up to the cap exactly. With more instances than the cap, some get none
// and leave their jobs to those with a share (see handOn).
func (l *endpointLimiter) setShare(rank, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.share = shareOf(l.limit, rank, n)
}

// hasShare tells whether this process may make attempts at all: with more
// instances than the cap, some get no share.
func (l *endpointLimiter) hasShare() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share > 0
}

// shareOf is the rank-th of n parts of limit, the remainder going to the
// first ranks.
func shareOf(limit, rank, n int) int {
	if n <= 1 {
		return limit
	}
	share := limit / n
	if rank < limit%n {
		share++
	}
	return share
}

func (l *endpointLimiter) get(endpointID int64) *endpointSlots {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.slots[endpointID]
	if !ok {
		s = &endpointSlots{freed: make(chan struct{}, l.limit)}
		l.slots[endpointID] = s
	}
	return s
}

// take claims a slot if the endpoint is below this process's share.
func (l *endpointLimiter) take(endpointID int64, s *endpointSlots) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.inFlight < l.share {
		if s.inFlight == 0 {
			s.progressAt = time.Now()
		}
		s.inFlight++
		l.metrics.InFlight(endpointID, 1)
		return true
	}
	return false
}

// acquire takes a slot for the endpoint, waiting up to wait for one to free
// up, so retries that fall due together go out on time instead of being
// snoozed. Only a few workers may wait per endpoint (see maxWaiting); the
// rest get false at once and must come back later, so a hanging endpoint
// holds at most twice its limit in workers.
func (l *endpointLimiter) acquire(ctx context.Context, endpointID int64, wait time.Duration) bool {
	s := l.get(endpointID)
	if l.take(endpointID, s) {
		return true
	}
	l.mu.Lock()
	if s.waiting >= l.maxWaiting(s, wait) {
		l.mu.Unlock()
		return false
	}
	s.waiting++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		s.waiting--
		l.mu.Unlock()
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-s.freed:
			if l.take(endpointID, s) {
				return true
			}
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// maxWaiting is how many workers may wait for the endpoint's slots: as many
// as can expect a slot within the wait, judging by the endpoint's typical
// attempt, but at least the limit and at most 8 times it. Requires l.mu.
func (l *endpointLimiter) maxWaiting(s *endpointSlots, wait time.Duration) int {
	rounds := 1
	if s.typical > 0 {
		rounds = min(max(int(wait/s.typical), 1), 8)
	}
	return l.share * rounds
}

// release frees a slot taken by acquire and notes how long the attempt took.
func (l *endpointLimiter) release(endpointID int64, took time.Duration) {
	s := l.get(endpointID)
	l.mu.Lock()
	if s.typical == 0 {
		s.typical = took
	} else {
		s.typical = (s.typical*7 + took) / 8
	}
	s.inFlight--
	s.progressAt = time.Now()
	l.mu.Unlock()
	l.metrics.InFlight(endpointID, -1)
	select {
	case s.freed <- struct{}{}:
	default:
	}
}

// stalled tells whether every slot of the endpoint is taken and none has
// been freed for d: its attempts hang, and waiting for one is in vain.
func (l *endpointLimiter) stalled(endpointID int64, d time.Duration) bool {
	s := l.get(endpointID)
	l.mu.Lock()
	defer l.mu.Unlock()
	return s.inFlight >= l.share && time.Since(s.progressAt) > d
}

// retryAfter is how long a message turned away by acquire should wait: about
// one typical attempt of the endpoint, so messages for a fast endpoint come
// back within tens of milliseconds and those for a hanging one do not spin.
// Jitter keeps waiting messages from waking in lockstep.
func (l *endpointLimiter) retryAfter(endpointID int64) time.Duration {
	s := l.get(endpointID)
	l.mu.Lock()
	typical := s.typical
	l.mu.Unlock()
	base := min(max(typical, 20*time.Millisecond), 500*time.Millisecond)
	return base + rand.N(base)
}
