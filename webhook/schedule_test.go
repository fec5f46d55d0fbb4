package webhook

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryRest(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"retry 1", 1, 0, time.Second},
		{"retry 2", 2, 0, 2 * time.Second},
		{"retry 3", 3, 0, 4 * time.Second},
		{"past the fifth, the cap", 9, 0, MaxRetryDelay},
		{"Retry-After longer than the backoff", 1, 3 * time.Second, 3 * time.Second},
		{"Retry-After shorter than the backoff", 3, time.Second, 4 * time.Second},
		{"Retry-After past the cap", 1, time.Hour, MaxRetryDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RetryRest(tt.n, tt.retryAfter); got != tt.want {
				t.Fatalf("RetryRest(%d, %v) = %v, want %v", tt.n, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"120", MaxRetryDelay},
		{"99999999999999999999", 0}, // not a number Go can hold: ignored
		{"18446744073709551615", MaxRetryDelay},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Thursday, 03-Jul-25 14:30:05 GMT", 5 * time.Second}, // RFC 850, still valid to receive
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}
