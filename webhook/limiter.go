package webhook

import "sync"

// endpointLimiter caps the attempts in flight per endpoint in this process, so
// one endpoint that hangs cannot take every worker from the others.
type endpointLimiter struct {
	mu       sync.Mutex
	limit    int
	inFlight map[int64]int
}

func newEndpointLimiter(limit int) *endpointLimiter {
	return &endpointLimiter{limit: limit, inFlight: make(map[int64]int)}
}

// tryAcquire takes a slot for the endpoint, or reports false when all are busy.
func (l *endpointLimiter) tryAcquire(endpointID int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[endpointID] >= l.limit {
		return false
	}
	l.inFlight[endpointID]++
	return true
}

func (l *endpointLimiter) release(endpointID int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[endpointID] <= 1 {
		delete(l.inFlight, endpointID)
		return
	}
	l.inFlight[endpointID]--
}
