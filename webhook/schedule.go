package webhook

import "time"

// MaxAttempts is how many attempts a message gets (SPEC.md).
const MaxAttempts = 4

// RetryDelay is the delay before retry n (n = 1, 2, 3): min(2^(n-1) s, 10 s).
func RetryDelay(n int) time.Duration {
	if n < 1 {
		return 0
	}
	if n > 5 {
		return 10 * time.Second
	}
	return min(time.Duration(1<<(n-1))*time.Second, 10*time.Second)
}

// AttemptDue is when attempt k (1-based) of a message is due, counted from
// the start of its first attempt t0 rather than from the previous attempt, so
// a slow attempt does not push every later one back: t0, +1 s, +3 s, +7 s.
func AttemptDue(t0 time.Time, k int) time.Time {
	due := t0
	for n := 1; n < k; n++ {
		due = due.Add(RetryDelay(n))
	}
	return due
}
