package models

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestHitRateSlidingWindow follows one counter through a sequence of events
// at chosen times: the limit holds within a window, the previous window
// still weighs on the next, and the wait it announces is when the next
// event is allowed again.
func TestHitRateSlidingWindow(t *testing.T) {
	limit := RateLimit{Name: "test", Max: 3, Window: time.Minute}
	// start is the beginning of a fixed window, so offsets read as
	// "seconds into the window".
	start := time.UnixMilli(limit.windowIndex(time.Now())*limit.Window.Milliseconds() + 10*limit.Window.Milliseconds())
	tests := []struct {
		name  string
		at    []time.Duration // events before the checked one
		check time.Duration
		want  bool
		retry time.Duration // when refused
	}{
		{"first", nil, 0, true, 0},
		{"at the limit", []time.Duration{0, time.Second}, 2 * time.Second, true, 0},
		{"over the limit in one window", []time.Duration{0, time.Second, 2 * time.Second}, 30 * time.Second,
			false, time.Minute},
		{"previous window still weighs", []time.Duration{50 * time.Second, 51 * time.Second, 52 * time.Second}, 70 * time.Second,
			false, 30 * time.Second},
		{"previous window has slid out enough", []time.Duration{50 * time.Second, 51 * time.Second, 52 * time.Second}, 81 * time.Second,
			true, 0},
		{"two windows later everything is forgotten", []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}, 2 * time.Minute,
			true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			ctx := context.Background()
			for _, at := range tc.at {
				if _, err := s.HitRate(ctx, limit, "subject", start.Add(at)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.HitRate(ctx, limit, "subject", start.Add(tc.check))
			if err != nil {
				t.Fatal(err)
			}
			if got.Allowed != tc.want {
				t.Fatalf("allowed = %v, want %v (%+v)", got.Allowed, tc.want, got)
			}
			if !tc.want {
				if d := got.RetryAfter - tc.retry; d < -time.Millisecond || d > time.Millisecond {
					t.Errorf("retry after %s, want %s", got.RetryAfter, tc.retry)
				}
			}
		})
	}
}

// TestHitRateRetryAfterIsWhenTheNextEventPasses checks the announced wait
// against the counter itself: just before it the next event is still
// refused, at it the next event is allowed.
func TestHitRateRetryAfterIsWhenTheNextEventPasses(t *testing.T) {
	limit := RateLimit{Name: "test", Max: 5, Window: time.Minute}
	base := time.UnixMilli(limit.windowIndex(time.Now()) * limit.Window.Milliseconds()).Add(40 * time.Second)
	for _, burst := range []int{6, 9} {
		t.Run(fmt.Sprint(burst), func(t *testing.T) {
			ctx := context.Background()
			var last RateDecision
			s := openTestStore(t)
			for i := range burst {
				d, err := s.HitRate(ctx, limit, "subject", base.Add(time.Duration(i)*time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				last = d
			}
			if last.Allowed {
				t.Fatalf("event %d of %d allowed", burst, limit.Max)
			}
			// A copy of the counter, so probing does not count on the real one.
			var row RateCounter
			if err := s.db.Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			next := base.Add(time.Duration(burst-1)*time.Millisecond + last.RetryAfter)
			probe := func(at time.Time) bool {
				r := row
				// What HitRate would store and weigh for one more event at.
				if idx := limit.windowIndex(at); idx > r.WindowIndex {
					if idx == r.WindowIndex+1 {
						r.PrevHits = r.Hits
					} else {
						r.PrevHits = 0
					}
					r.Hits, r.WindowIndex = 0, idx
				}
				r.Hits++
				return limit.decide(r, at).Allowed
			}
			if probe(next.Add(-50 * time.Millisecond)) {
				t.Errorf("allowed 50 ms before the announced %s", last.RetryAfter)
			}
			if !probe(next.Add(time.Millisecond)) {
				t.Errorf("still refused after the announced %s", last.RetryAfter)
			}
		})
	}
}

// TestHitRateIsAtomic hits one counter from many goroutines at once: exactly
// Max of them are allowed, on either database.
func TestHitRateIsAtomic(t *testing.T) {
	s := openTestStore(t)
	limit := RateLimit{Name: "test", Max: 10, Window: time.Hour}
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 40 {
		wg.Go(func() {
			d, err := s.HitRate(context.Background(), limit, "subject", now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if d.Allowed {
				allowed++
			}
		})
	}
	wg.Wait()
	if allowed != limit.Max {
		t.Errorf("%d of 40 allowed, want %d", allowed, limit.Max)
	}
}

// TestRateCountersAreSeparate checks that subjects and limits do not share
// counters, and that undo, reset and prune do what they say.
func TestRateCountersAreSeparate(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	a := RateLimit{Name: "a", Max: 1, Window: time.Minute}
	b := RateLimit{Name: "b", Max: 1, Window: time.Minute}
	now := time.Now()
	hit := func(l RateLimit, subject string) bool {
		t.Helper()
		d, err := s.HitRate(ctx, l, subject, now)
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}
	if !hit(a, "x") || hit(a, "x") {
		t.Fatal("limit a for x: want allowed, then refused")
	}
	if !hit(a, "y") || !hit(b, "x") {
		t.Fatal("another subject or another limit was refused")
	}

	if err := s.UndoRateHit(ctx, a, "y", now); err != nil {
		t.Fatal(err)
	}
	if !hit(a, "y") {
		t.Error("refused after undoing the only event")
	}
	if err := s.ResetRate(ctx, a, "x"); err != nil {
		t.Fatal(err)
	}
	if !hit(a, "x") {
		t.Error("refused after reset")
	}

	var rows []RateCounter
	if err := s.db.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r.ID) > 80 {
			t.Errorf("counter id %q longer than its column", r.ID)
		}
	}
	if n, err := s.PruneRateCounters(ctx, now.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("pruned %d (%v) while the counters still matter", n, err)
	}
	if n, err := s.PruneRateCounters(ctx, now.Add(2*time.Minute+time.Second)); err != nil || n != int64(len(rows)) {
		t.Errorf("pruned %d (%v), want all %d", n, err, len(rows))
	}
}

// TestHitRateClockAhead: an instance whose clock is behind the one that
// wrote the counter adds to it instead of resetting it.
func TestHitRateClockAhead(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	limit := RateLimit{Name: "test", Max: 2, Window: time.Minute}
	now := time.Now()
	for _, at := range []time.Time{now.Add(2 * time.Minute), now.Add(2 * time.Minute), now} {
		if _, err := s.HitRate(ctx, limit, "subject", at); err != nil {
			t.Fatal(err)
		}
	}
	var row RateCounter
	if err := s.db.Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Hits != 3 || row.WindowIndex != limit.windowIndex(now.Add(2*time.Minute)) {
		t.Errorf("counter = %+v, want 3 hits in the later window", row)
	}
}

func TestHitRateRefusesABadLimit(t *testing.T) {
	s := openTestStore(t)
	for _, l := range []RateLimit{{Name: "zero", Max: 0, Window: time.Minute}, {Name: "instant", Max: 1}} {
		if _, err := s.HitRate(context.Background(), l, "x", time.Now()); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}
