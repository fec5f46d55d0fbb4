package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// idReceiver answers 500 until healed, then 204, and records the
// webhook-id of every request.
type idReceiver struct {
	healed atomic.Bool
	mu     sync.Mutex
	ids    []string
}

func (r *idReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.ids = append(r.ids, req.Header.Get("webhook-id"))
	r.mu.Unlock()
	if r.healed.Load() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusInternalServerError)
}

func (r *idReceiver) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// TestBrowserFailingAutoDisableAndReplay: an endpoint whose messages fail
// is shown Failing, with the last error in words, on the list and the
// overview; once every message has failed for a day (and at least the
// minimum of them), the engine turns it off at its next final failure, the
// list says so in a banner, and one click on the overview turns it back on
// and replays what failed, with the original webhook-ids, and what arrived
// while it was off, to a receiver on 127.0.0.1.
func TestBrowserFailingAutoDisableAndReplay(t *testing.T) {
	rec := &idReceiver{}
	app, ctx, receiverURL := deliveringBrowserApp(t, rec.ServeHTTP)
	base := app.srv.URL

	browserSignUp(t, ctx, base, "failing@example.com")
	user := app.user("failing@example.com")
	ep := &models.Endpoint{UserID: user.ID, URL: receiverURL + "/hooks", Description: "Flaky receiver", Events: "TEST_STARTED,PROJECT_CREATED",
		Enabled: true, Secret: catalog.GenerateSecret(), CreatedAt: time.Now().UTC().Add(-48 * time.Hour)}
	if err := app.store.CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	// Every message of the last 30 hours failed: one short of the minimum.
	var failed []models.Message
	for i := range webhook.DefaultAutoDisableMinMessages - 1 {
		age := 30*time.Hour - time.Duration(i)*3*time.Hour
		failed = append(failed, app.seedMessage(user.ID, ep.ID, seedMsg{state: models.StateFailed, status: 500,
			class: webhook.ClassHTTPStatus, attempts: webhook.MaxAttempts, age: age}))
	}

	do(t, ctx, "open the list", chromedp.Navigate(base+"/profile/integrations/webhook"), chromedp.WaitVisible(tid("endpoint-card")))
	if got := run(t, ctx, "read the badge", chromedp.Text(tid("endpoint-status"))); got != "Failing" {
		t.Errorf("list badge = %q, want Failing", got)
	}
	if got := run(t, ctx, "read why", chromedp.Text(tid("failing-reason"))); !strings.Contains(got, "failed: the receiver answered 500 Internal Server Error") {
		t.Errorf("list says %q", got)
	}
	do(t, ctx, "open the overview", chromedp.Click(tid("endpoint-url")), chromedp.WaitVisible(tid("endpoint-overview")))
	if got := run(t, ctx, "read the badge", chromedp.Text(tid("endpoint-status"))); got != "Failing" {
		t.Errorf("overview badge = %q, want Failing", got)
	}
	if got := run(t, ctx, "read the last error", chromedp.Text(tid("failing-reason"))); got != "Last error: the receiver answered 500 Internal Server Error." {
		t.Errorf("overview says %q", got)
	}

	// The minimum's final failure, through the real engine: a message on
	// its last attempt, which fails.
	extra := app.seedMessage(user.ID, ep.ID, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus,
		attempts: webhook.MaxAttempts - 1, age: time.Hour})
	if err := app.hooks.Redeliver(context.Background(), user.ID, extra.ID); err != nil {
		t.Fatal(err)
	}
	failed = append(failed, extra)
	deadline := time.Now().Add(10 * time.Second)
	for {
		saved, err := app.store.Endpoint(context.Background(), user.ID, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !saved.Enabled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the endpoint is still enabled after its failures")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// An event while it is off is not queued for it, but replayed later.
	if _, err := app.hooks.Publish(context.Background(), user.ID, catalog.EventInput{Type: "PROJECT_CREATED", ProjectName: "While off"}); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, "open the list", chromedp.Navigate(base+"/profile/integrations/webhook"), chromedp.WaitVisible(tid("auto-disabled-banner")))
	if got := run(t, ctx, "read the badge", chromedp.Text(tid("endpoint-status"))); got != "Disabled" {
		t.Errorf("list badge = %q, want Disabled", got)
	}
	if got := run(t, ctx, "read why", chromedp.Text(tid("disabled-reason"))); !strings.Contains(got, "every message to it failed for more than 24 hours") {
		t.Errorf("list says %q", got)
	}
	do(t, ctx, "open it from the banner", chromedp.Click(chromedp.CSS(`[data-testid="auto-disabled-banner"] a`)), chromedp.WaitVisible(tid("disabled-notice")))
	notice := run(t, ctx, "read the notice", chromedp.Text(tid("disabled-notice")))
	if !strings.Contains(notice, "loadhook turned this endpoint off on") || !strings.Contains(notice, "500 Internal Server Error") {
		t.Errorf("overview notice = %q", notice)
	}

	rec.healed.Store(true)
	before := len(rec.seen())
	do(t, ctx, "enable and replay", chromedp.Click(tid("reenable-replay")), chromedp.WaitVisible(tid("endpoint-overview")))
	flashInView(t, ctx, "Endpoint enabled. Replaying 10 failed messages with their original webhook-id, and sending 1 event that arrived while it was off.")
	if got := run(t, ctx, "read the badge", chromedp.Text(tid("endpoint-status"))); got != "Enabled" {
		t.Errorf("badge after the replay = %q", got)
	}
	deadline = time.Now().Add(15 * time.Second)
	for len(rec.seen()) < before+len(failed)+1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	replayed := rec.seen()[before:]
	for _, m := range failed {
		if !slices.Contains(replayed, m.ID) {
			t.Errorf("message %s was not replayed with its webhook-id; the receiver saw %v", m.ID, replayed)
		}
	}
	if len(replayed) != len(failed)+1 {
		t.Errorf("the receiver got %d requests, want %d replayed and 1 missed event", len(replayed), len(failed))
	}
}
