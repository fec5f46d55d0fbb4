package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/models"
)

func TestWebhookListEmptyState(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	page := c.get("/profile/integrations/webhook").wantStatus(http.StatusOK)
	empty := page.testid("empty-state")
	if empty.Length() != 1 || !strings.Contains(empty.Text(), "A webhook is an HTTP POST") {
		t.Fatalf("empty state = %q", empty.Text())
	}
	if href, _ := empty.Find(`[data-testid="add-endpoint"]`).Attr("href"); href != "/profile/integrations/webhook/endpoints/new" {
		t.Errorf("empty state button links to %q", href)
	}
	if page.testid("endpoint-card").Length() != 0 {
		t.Error("endpoint cards on an empty list")
	}
}

func TestWebhookListShowsEndpointsAndDeliveryStats(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	userID := app.user("ada@example.com").ID
	quiet := c.createEndpoint(validEndpoint())
	busy := c.createEndpoint(validEndpoint())
	if err := app.store.DisableEndpoint(context.Background(), busy, "the receiver answered 410 Gone"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// Two successes and one failure in the window, one in flight, one old
	// failure outside it; the newest is the failure a minute ago.
	for _, m := range []struct {
		state string
		age   time.Duration
	}{
		{models.StateFailed, 30 * time.Hour},
		{models.StateSucceeded, 3 * time.Hour},
		{models.StateSucceeded, 2 * time.Hour},
		{models.StatePending, 90 * time.Minute},
		{models.StateFailed, time.Minute},
	} {
		at := now.Add(-m.age)
		msg := models.Message{ID: models.NewID("msg_"), EventID: "evt_x", EndpointID: busy, UserID: userID, EventType: "TEST_STARTED",
			State: m.state, MaxAttempts: 4, LastStatus: 500, CreatedAt: at, UpdatedAt: at}
		if err := app.db.Create(&msg).Error; err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // ids order by millisecond
	}

	page := c.get("/profile/integrations/webhook").wantStatus(http.StatusOK)
	cards := page.testid("endpoint-card")
	if cards.Length() != 2 {
		t.Fatalf("cards = %d, want 2", cards.Length())
	}
	first, second := cards.Eq(0), cards.Eq(1)
	if id, _ := first.Attr("data-endpoint-id"); id != itoa64(quiet) {
		t.Fatalf("first card is endpoint %s, want %d", id, quiet)
	}
	checks := []struct{ got, want string }{
		{first.Find(`[data-testid="endpoint-url"]`).Text(), "https://93.184.215.14/hooks/loadhook"},
		{first.Find(`[data-testid="endpoint-description"]`).Text(), "Checkout team relay"},
		{first.Find(`[data-testid="endpoint-events"]`).Text(), "3 events"},
		{first.Find(`[data-testid="endpoint-status"]`).Text(), "Enabled"},
		{first.Find(`[data-testid="endpoint-last"]`).Text(), "No deliveries yet"},
		{second.Find(`[data-testid="endpoint-status"]`).Text(), "Disabled"},
		{second.Find(`[data-testid="disabled-reason"]`).Text(), "Turned off automatically: the receiver answered 410 Gone"},
		{second.Find(`[data-testid="state-badge"]`).Text(), "Failed"},
		{strings.Join(strings.Fields(second.Find(`[data-testid="endpoint-rate"]`).Text()), " "), "Last 24 hours: 66.7% 2 of 3 messages delivered"},
	}
	for i, ck := range checks {
		if strings.TrimSpace(ck.got) != ck.want {
			t.Errorf("check %d: got %q, want %q", i, strings.TrimSpace(ck.got), ck.want)
		}
	}
	if first.Find(`[data-testid="endpoint-rate"]`).Length() != 0 {
		t.Error("a rate is shown for an endpoint with no finished messages")
	}
	if !strings.Contains(second.Find(`[data-testid="endpoint-last"]`).Text(), "1 minute ago") {
		t.Errorf("last delivery = %q", second.Find(`[data-testid="endpoint-last"]`).Text())
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestToggleEndpoint(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	if err := app.store.DisableEndpoint(context.Background(), id, "410 Gone"); err != nil {
		t.Fatal(err)
	}
	c.post(endpointPath(id, "toggle"), url.Values{"enabled": {"true"}}).wantRedirect("/profile/integrations/webhook")
	ep, _ := app.store.Endpoint(context.Background(), userID, id)
	if !ep.Enabled || ep.DisabledReason != "" {
		t.Fatalf("after enable: enabled=%v reason=%q", ep.Enabled, ep.DisabledReason)
	}
	c.post(endpointPath(id, "toggle"), url.Values{"enabled": {"false"}}).wantRedirect("/profile/integrations/webhook")
	ep, _ = app.store.Endpoint(context.Background(), userID, id)
	if ep.Enabled {
		t.Fatal("still enabled after disable")
	}
	list := c.get("/profile/integrations/webhook")
	if got := list.testid("endpoint-status").Text(); got != "Disabled" {
		t.Errorf("badge = %q", got)
	}
	if !strings.Contains(list.testid("flash").Text(), "Endpoint disabled") {
		t.Errorf("flash = %q", list.testid("flash").Text())
	}
}

func TestDeleteEndpointAsksFirst(t *testing.T) {
	app, c, _, id := adaWithSavedEndpoint(t)

	// Without JavaScript the first post (and the GET) show a confirmation page.
	for _, res := range []*response{c.post(endpointPath(id, "delete"), nil), c.get(endpointPath(id, "delete"))} {
		res.wantStatus(http.StatusOK)
		confirm := res.testid("confirm")
		if !strings.Contains(confirm.Text(), "https://93.184.215.14/hooks/loadhook") {
			t.Errorf("confirm page does not name the endpoint: %q", confirm.Text())
		}
		if v, _ := confirm.Find(`input[name="confirmed"]`).Attr("value"); v != "yes" {
			t.Errorf("confirm form posts confirmed=%q", v)
		}
	}
	if n := app.count("endpoints"); n != 1 {
		t.Fatalf("endpoints = %d before confirming, want 1", n)
	}
	c.post(endpointPath(id, "delete"), url.Values{"confirmed": {"yes"}}).wantRedirect("/profile/integrations/webhook")
	if n := app.count("endpoints"); n != 0 {
		t.Fatalf("endpoints = %d after confirming, want 0", n)
	}
	c.get(endpointPath(id, "")).wantStatus(http.StatusNotFound)
}

func TestRevealSecret(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	ep, _ := app.store.Endpoint(context.Background(), userID, id)

	overview := c.get(endpointPath(id, ""))
	if strings.Contains(overview.body, ep.Secret) {
		t.Fatal("the overview shows the secret before Reveal")
	}
	page := c.post(endpointPath(id, "secret/reveal"), nil).wantStatus(http.StatusOK)
	if got := page.testid("secret-value").Text(); got != ep.Secret {
		t.Errorf("reveal page shows %q", got)
	}
	c.headers.Set("HX-Request", "true")
	frag := c.post(endpointPath(id, "secret/reveal"), nil).wantStatus(http.StatusOK)
	if strings.Contains(frag.body, "<html") || frag.testid("secret-value").Text() != ep.Secret {
		t.Errorf("htmx reveal = %q, want only the secret fragment", truncate(frag.body, 200))
	}
	if cc := frag.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

func TestRotateSecret(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	before, _ := app.store.Endpoint(context.Background(), userID, id)

	c.post(endpointPath(id, "secret/rotate"), nil).wantRedirect(endpointPath(id, ""))
	after, _ := app.store.Endpoint(context.Background(), userID, id)
	if after.Secret == before.Secret || !strings.HasPrefix(after.Secret, "whsec_") {
		t.Fatalf("secret not rotated: %q", after.Secret)
	}
	if after.PreviousSecret != before.Secret {
		t.Error("the old secret is not kept as the previous one")
	}
	if after.PreviousSecretUntil == nil || time.Until(*after.PreviousSecretUntil) < 23*time.Hour || time.Until(*after.PreviousSecretUntil) > 25*time.Hour {
		t.Errorf("previous secret valid until %v, want in 24 h", after.PreviousSecretUntil)
	}
	page := c.get(endpointPath(id, ""))
	if !strings.Contains(page.testid("previous-secret").Text(), after.PreviousSecretUntil.UTC().Format("2 Jan 2006, 15:04 UTC")) {
		t.Errorf("page does not say until when: %q", page.testid("previous-secret").Text())
	}
	if !strings.Contains(page.testid("flash").Text(), "both the new and the previous secret") {
		t.Errorf("flash = %q", page.testid("flash").Text())
	}
}

// TestCrossUserAccess: user B reaches none of user A's endpoints or tokens,
// and A's rows do not change.
func TestCrossUserAccess(t *testing.T) {
	app := newTestApp(t)
	alice := app.signUp("alice@example.com")
	aliceID := app.user("alice@example.com").ID
	id := alice.createEndpoint(validEndpoint())
	alice.post("/profile/tokens", url.Values{"name": {"ci"}}).wantStatus(http.StatusSeeOther)
	tokens, _ := app.store.APITokens(context.Background(), aliceID)
	tokenID := tokens[0].ID
	before, _ := app.store.Endpoint(context.Background(), aliceID, id)

	bob := app.signUp("bob@example.com")
	update := validEndpoint()
	update.Set("url", "https://93.184.215.14/bob")
	for _, req := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", endpointPath(id, ""), nil},
		{"GET", endpointPath(id, "edit"), nil},
		{"GET", endpointPath(id, "health"), nil},
		{"POST", endpointPath(id, "edit"), update},
		{"POST", endpointPath(id, "edit"), url.Values{"action": {"add-header"}}},
		{"POST", endpointPath(id, "reenable"), nil},
		{"POST", endpointPath(id, "toggle"), url.Values{"enabled": {"false"}}},
		{"GET", endpointPath(id, "delete"), nil},
		{"POST", endpointPath(id, "delete"), url.Values{"confirmed": {"yes"}}},
		{"POST", endpointPath(id, "secret/reveal"), nil},
		{"POST", endpointPath(id, "secret/rotate"), nil},
		{"POST", "/profile/tokens/" + itoa64(tokenID) + "/revoke", url.Values{"confirmed": {"yes"}}},
		{"POST", "/profile/tokens/" + itoa64(tokenID) + "/revoke", nil},
		{"GET", endpointPath(999999, ""), nil},
		{"GET", "/profile/integrations/webhook/endpoints/not-a-number", nil},
	} {
		var res *response
		if req.method == "GET" {
			res = bob.get(req.path)
		} else {
			res = bob.post(req.path, req.form)
		}
		if res.status != http.StatusNotFound {
			t.Errorf("bob %s %s = %d, want 404", req.method, req.path, res.status)
		}
		if strings.Contains(res.body, before.Secret) || strings.Contains(res.body, "93.184.215.14/hooks") {
			t.Errorf("bob %s %s leaked alice's endpoint", req.method, req.path)
		}
	}
	after, err := app.store.Endpoint(context.Background(), aliceID, id)
	if err != nil {
		t.Fatalf("alice's endpoint is gone: %v", err)
	}
	if after.URL != before.URL || after.Secret != before.Secret || after.PreviousSecret != "" || !after.Enabled ||
		after.Description != before.Description || len(after.Headers) != len(before.Headers) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("alice's endpoint changed: %+v", after)
	}
	if tokens, _ := app.store.APITokens(context.Background(), aliceID); len(tokens) != 1 {
		t.Errorf("alice has %d tokens, want 1", len(tokens))
	}
	if list := bob.get("/profile/integrations/webhook"); list.testid("endpoint-card").Length() != 0 {
		t.Error("bob's list shows alice's endpoint")
	}
	if profile := bob.get("/profile"); profile.testid("token-row").Length() != 0 {
		t.Error("bob's profile lists alice's token")
	}
}

// TestEncryptionAtRest reads the raw columns: header values and secrets
// never appear in plain text.
func TestEncryptionAtRest(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	c.post(endpointPath(id, "secret/rotate"), nil).wantRedirect(endpointPath(id, ""))
	ep, _ := app.store.Endpoint(context.Background(), userID, id)

	var raw struct {
		HeadersSealed        []byte
		SecretSealed         []byte
		PreviousSecretSealed []byte
	}
	err := app.db.Raw("SELECT headers_sealed, secret_sealed, previous_secret_sealed FROM endpoints WHERE id = ?", id).Scan(&raw).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.HeadersSealed) == 0 || len(raw.SecretSealed) == 0 || len(raw.PreviousSecretSealed) == 0 {
		t.Fatalf("sealed columns empty: %d %d %d", len(raw.HeadersSealed), len(raw.SecretSealed), len(raw.PreviousSecretSealed))
	}
	all := string(raw.HeadersSealed) + string(raw.SecretSealed) + string(raw.PreviousSecretSealed)
	for _, plain := range []string{"Bearer s3cr3t-value-123", "s3cr3t", "checkout", ep.Secret, ep.PreviousSecret, "whsec_", strings.TrimPrefix(ep.Secret, "whsec_")[:16]} {
		if strings.Contains(all, plain) {
			t.Errorf("sealed columns contain %q in plain text", plain)
		}
	}
}
