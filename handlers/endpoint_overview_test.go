package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// Opening an endpoint shows the overview; its Disable and Enable come back
// to it, the list's go back to the list.
func TestEndpointOverviewAndToggleReturn(t *testing.T) {
	_, c, _, id := adaWithSavedEndpoint(t)

	page := c.get(endpointPath(id, "")).wantStatus(http.StatusOK)
	if page.testid("endpoint-overview").Length() != 1 || page.testid("endpoint-form").Length() != 0 {
		t.Fatal("opening an endpoint does not show its overview")
	}
	if got := page.find("title").Text(); !strings.HasPrefix(got, "Checkout team relay") {
		t.Errorf("title = %q, want the endpoint's name", got)
	}
	c.post(endpointPath(id, "toggle"), url.Values{"enabled": {"false"}, "return": {"overview"}}).wantRedirect(endpointPath(id, ""))
	c.post(endpointPath(id, "toggle"), url.Values{"enabled": {"true"}}).wantRedirect("/profile/integrations/webhook")
	c.get(endpointPath(id, "edit")).wantStatus(http.StatusOK).testid("endpoint-form")
}

// The health block alone, as the overview fetches it again: it keeps
// polling while a message is in flight, and stops once none is.
func TestEndpointHealthFragment(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	uid := app.user("ada@example.com").ID
	ep := app.seedEndpoint(uid, "https://93.184.215.14/hook")
	app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, age: time.Hour})

	frag := c.get(endpointPath(ep, "health")).wantStatus(http.StatusOK)
	if strings.Contains(frag.body, "<html") || frag.testid("endpoint-health").Length() != 1 {
		t.Fatalf("health fragment = %q", truncate(frag.body, 200))
	}
	if frag.testid("endpoint-health").AttrOr("hx-get", "") != "" {
		t.Error("the block polls with nothing in flight")
	}
	if got := strings.Join(strings.Fields(frag.testid("health-counts").First().Text()), " "); got != "1 of 1 message delivered" {
		t.Errorf("24 h figure = %q", got)
	}

	app.seedMessage(uid, ep, seedMsg{state: models.StateRetrying, status: 500, age: time.Minute})
	frag = c.get(endpointPath(ep, "health")).wantStatus(http.StatusOK)
	if got := frag.testid("endpoint-health").AttrOr("hx-get", ""); got != endpointPath(ep, "health") {
		t.Errorf("while in flight the block polls %q", got)
	}
}

// htmx's answer to Send test event carries the health block out of band,
// polling until the test has finished.
func TestSendTestEventRefreshesHealth(t *testing.T) {
	_, c, _, id := adaWithSavedEndpoint(t)
	c.headers.Set("HX-Request", "true")
	res := c.post(endpointPath(id, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusOK)
	health := res.testid("endpoint-health")
	if health.AttrOr("hx-swap-oob", "") != "true" || health.AttrOr("hx-get", "") != endpointPath(id, "health") {
		t.Errorf("health in the answer: oob %q, polls %q", health.AttrOr("hx-swap-oob", ""), health.AttrOr("hx-get", ""))
	}
}

// Enable and replay: one click on an endpoint loadhook turned off enables
// it and replays its failed messages (the handler's side; the engine's is
// TestReenableAndReplay), counted by the redelivery limit.
func TestReenableEndpoint(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	uid := app.user("ada@example.com").ID
	ep := app.seedEndpoint(uid, "https://93.184.215.14/hook")
	app.db.Model(&models.Endpoint{}).Where("id = ?", ep).Update("created_at", time.Now().UTC().Add(-48*time.Hour))
	for _, age := range []time.Duration{3 * time.Hour, 2 * time.Hour} {
		app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4, age: age})
	}

	// An enabled endpoint has nothing to replay.
	c.post(endpointPath(ep, "reenable"), nil).wantRedirect(endpointPath(ep, ""))
	if flash := c.get(endpointPath(ep, "")).testid("flash").Text(); !strings.Contains(flash, "already enabled") {
		t.Errorf("flash = %q", flash)
	}

	reason := webhook.AutoDisableReason(24*time.Hour, time.Now().Add(-3*time.Hour), "the receiver answered 500 Internal Server Error")
	if done, err := app.store.AutoDisableEndpoint(context.Background(), ep, reason, time.Now().Add(-3*time.Hour), time.Now()); err != nil || !done {
		t.Fatalf("disable = %v, %v", done, err)
	}
	page := c.get(endpointPath(ep, ""))
	if page.testid("endpoint-status").Text() != "Disabled" || !strings.Contains(page.testid("disabled-notice").Text(), reason) {
		t.Errorf("overview of a disabled endpoint: badge %q, notice %q", page.testid("endpoint-status").Text(), page.testid("disabled-notice").Text())
	}
	list := c.get("/profile/integrations/webhook")
	if banner := list.testid("auto-disabled-banner"); banner.Length() != 1 || banner.Find("a").AttrOr("href", "") != endpointPath(ep, "") {
		t.Errorf("list banner = %q", banner.Text())
	}

	c.post(endpointPath(ep, "reenable"), nil).wantRedirect(endpointPath(ep, ""))
	page = c.get(endpointPath(ep, ""))
	if flash := page.testid("flash").Text(); flash != "Endpoint enabled. Replaying 2 failed messages with their original webhook-id." {
		t.Errorf("flash = %q", flash)
	}
	if page.testid("endpoint-status").Text() != "Enabled" {
		t.Errorf("badge after Enable and replay = %q", page.testid("endpoint-status").Text())
	}
	var pending int64
	app.db.Model(&models.Message{}).Where("endpoint_id = ? AND state = ?", ep, models.StatePending).Count(&pending)
	if pending != 2 {
		t.Errorf("%d messages queued again, want 2", pending)
	}
}
