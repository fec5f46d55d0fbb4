package webhook

import (
	"context"
	"testing"
	"time"
)

func TestEndpointLimiterCapsInFlight(t *testing.T) {
	l := newEndpointLimiter(2, nil)
	ctx := context.Background()
	for i := range 2 {
		if !l.acquire(ctx, 1, 0) {
			t.Fatalf("attempt %d of 2 got no slot", i+1)
		}
	}
	if l.acquire(ctx, 1, time.Millisecond) {
		t.Fatal("a third attempt got a slot while two are in flight")
	}
	if !l.acquire(ctx, 2, 0) {
		t.Fatal("another endpoint must not share the first one's slots")
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		l.release(1, 5*time.Millisecond)
	}()
	if !l.acquire(ctx, 1, time.Hour) {
		t.Fatal("a waiting attempt did not get the slot that was released")
	}
}

func TestEndpointLimiterBoundsWaiters(t *testing.T) {
	l := newEndpointLimiter(1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l.acquire(ctx, 1, 0)
	waiting := make(chan bool)
	go func() { waiting <- l.acquire(ctx, 1, time.Hour) }()
	for {
		l.mu.Lock()
		n := l.slots[1].waiting
		l.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// With no attempt measured yet, one waiter per slot: the next is turned
	// away at once instead of tying up a worker (a wait of an hour would
	// otherwise hang the test).
	if l.acquire(ctx, 1, time.Hour) {
		t.Fatal("a second waiter got a slot")
	}
	cancel()
	if <-waiting {
		t.Fatal("a cancelled waiter reported a slot")
	}
}

func TestEndpointLimiterRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		typical  time.Duration
		min, max time.Duration
	}{
		{"unknown endpoint", 0, 20 * time.Millisecond, 40 * time.Millisecond},
		{"fast endpoint", 2 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		{"slow endpoint", 300 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond},
		{"hanging endpoint", 10 * time.Second, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newEndpointLimiter(4, nil)
			l.get(7).typical = tt.typical
			for range 50 {
				if d := l.retryAfter(7); d < tt.min || d >= tt.max {
					t.Fatalf("retryAfter = %v, want in [%v, %v)", d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestEndpointLimiterShares(t *testing.T) {
	tests := []struct {
		limit, n int
		want     []int
	}{
		{4, 1, []int{4}},
		{4, 2, []int{2, 2}},
		{4, 3, []int{2, 1, 1}},
		{4, 4, []int{1, 1, 1, 1}},
		{4, 6, []int{1, 1, 1, 1, 0, 0}},
		{1, 2, []int{1, 0}},
	}
	for _, tt := range tests {
		sum := 0
		for rank, want := range tt.want {
			got := shareOf(tt.limit, rank, tt.n)
			if got != want {
				t.Errorf("shareOf(%d, %d, %d) = %d, want %d", tt.limit, rank, tt.n, got, want)
			}
			sum += got
		}
		if sum != tt.limit {
			t.Errorf("limit %d over %d instances: shares add up to %d", tt.limit, tt.n, sum)
		}
	}
	// A process whose share is smaller turns the next attempt away.
	l := newEndpointLimiter(4, nil)
	l.setShare(1, 3)
	ctx := context.Background()
	if !l.acquire(ctx, 1, 0) {
		t.Fatal("the first attempt got no slot")
	}
	if l.acquire(ctx, 1, time.Millisecond) {
		t.Fatal("a second attempt got a slot beyond a share of 1")
	}
}
