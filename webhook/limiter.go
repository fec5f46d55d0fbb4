package webhook

import (
	"context"
	"sync"
	"time"
)

// endpointLimiter caps the attempts in flight per endpoint in this process, so
// one endpoint that hangs cannot take every worker from the others.
type endpointLimiter struct {
	limit int
	mu    sync.Mutex
	slots map[int64]*endpointSlots
}

type endpointSlots struct {
	held    chan struct{}
	waiting int
}

func newEndpointLimiter(limit int) *endpointLimiter {
	return &endpointLimiter{limit: limit, slots: make(map[int64]*endpointSlots)}
}

func (l *endpointLimiter) get(endpointID int64) *endpointSlots {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.slots[endpointID]
	if !ok {
		s = &endpointSlots{held: make(chan struct{}, l.limit)}
		l.slots[endpointID] = s
	}
	return s
}

// acquire takes a slot for the endpoint, waiting up to wait for one to free
// up, so retries that fall due together go out on time instead of being
// snoozed. Only as many workers as the limit may wait per endpoint; the rest
// get false at once and must come back later, so a hanging endpoint holds at
// most twice its limit in workers.
func (l *endpointLimiter) acquire(ctx context.Context, endpointID int64, wait time.Duration) bool {
	s := l.get(endpointID)
	select {
	case s.held <- struct{}{}:
		return true
	default:
	}
	l.mu.Lock()
	if s.waiting >= l.limit {
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
	select {
	case s.held <- struct{}{}:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// release frees a slot taken by acquire.
func (l *endpointLimiter) release(endpointID int64) {
	<-l.get(endpointID).held
}
