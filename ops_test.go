package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/internal/serverproc"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOpsHealthReadyAndMetricsMoveWithADelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server binary")
	}
	t.Parallel()
	f := newCrashFixture(t, 1, func() time.Duration { return 0 })
	srv := f.start(t)
	if code, body := get(t, srv.URL+healthzPath); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Fatalf("GET /healthz: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+readyzPath); code != http.StatusOK || !strings.Contains(body, `"ready"`) {
		t.Fatalf("GET /readyz: %d %s", code, body)
	}
	_, before := get(t, srv.URL+metricsPath)
	if strings.Contains(before, `loadhook_delivery_attempts_total{class="",outcome="succeeded"}`) {
		t.Fatalf("a success counted before any delivery:\n%s", before)
	}
	if _, err := serverproc.PostEvent(t.Context(), http.DefaultClient, srv.URL, f.token, serverproc.StartedEvent(1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var after string
	for {
		_, after = get(t, srv.URL+metricsPath)
		if strings.Contains(after, `loadhook_delivery_attempts_total{class="",outcome="succeeded"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful attempt counted 10 s after the event:\n%s", after)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		"loadhook_messages_accepted_total 1",
		"loadhook_delivery_attempt_duration_seconds_count 1",
		"loadhook_queue_pending_messages 0",
		"loadhook_endpoints_disabled 0",
		`loadhook_delivery_in_flight{endpoint="1"} 0`,
		"go_sql_open_connections",
		`loadhook_http_requests_total{method="POST",route="/api/v1/events",status="202"} 1`,
	} {
		if !strings.Contains(after, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestOpsMetricsOnTheirOwnListener(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server binary")
	}
	t.Parallel()
	addr, err := serverproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	f := newCrashFixture(t, 0, func() time.Duration { return 0 })
	srv := f.start(t, "LOADHOOK_METRICS_ADDR="+addr)
	if code, _ := get(t, srv.URL+metricsPath); code == http.StatusOK {
		t.Error("/metrics is still on the main listener")
	}
	if code, body := get(t, "http://"+addr+metricsPath); code != http.StatusOK || !strings.Contains(body, "loadhook_messages_accepted_total") {
		t.Errorf("metrics listener: %d", code)
	}
}
