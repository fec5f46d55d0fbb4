package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type fakeQueue struct {
	pending  int64
	oldest   time.Duration
	disabled int64
	err      error
}

func (q fakeQueue) QueueStats(context.Context) (int64, time.Duration, error) {
	return q.pending, q.oldest, q.err
}
func (q fakeQueue) DisabledEndpoints(context.Context) (int64, error) { return q.disabled, q.err }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestMetricsRecordAndExpose(t *testing.T) {
	m := New(nil, fakeQueue{pending: 7, oldest: 1500 * time.Millisecond, disabled: 2}, slog.New(slog.DiscardHandler))
	m.Attempt("succeeded", "", 20*time.Millisecond)
	m.Attempt("failed", "timeout", 10*time.Second)
	m.Accepted(3)
	m.InFlight(42, 1)
	m.Deferred()
	m.Deferred()
	m.Request("/api/v1/events", "POST", 202, time.Millisecond)
	body := scrape(t, m)
	for _, want := range []string{
		`loadhook_delivery_attempts_total{class="",outcome="succeeded"} 1`,
		`loadhook_delivery_attempts_total{class="timeout",outcome="failed"} 1`,
		`loadhook_delivery_attempt_duration_seconds_count 2`,
		`loadhook_messages_accepted_total 3`,
		`loadhook_delivery_in_flight{endpoint="42"} 1`,
		`loadhook_delivery_deferred_total 2`,
		`loadhook_http_requests_total{method="POST",route="/api/v1/events",status="202"} 1`,
		`loadhook_queue_pending_messages 7`,
		`loadhook_queue_oldest_due_seconds 1.5`,
		`loadhook_endpoints_disabled 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestMetricsQueueErrorFailsOnlyItsMetric(t *testing.T) {
	m := New(nil, fakeQueue{err: errors.New("database is locked")}, slog.New(slog.DiscardHandler))
	m.Accepted(1)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	// promhttp answers 500 naming the failed collector, so a scraper alerts.
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "database is locked") {
		t.Fatalf("a failed queue read went unnoticed: %d %s", rec.Code, rec.Body.String())
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.Attempt("succeeded", "", time.Millisecond)
	m.Accepted(1)
	m.InFlight(1, 1)
	m.Deferred()
	m.Request("/", "GET", 200, time.Millisecond)
}
