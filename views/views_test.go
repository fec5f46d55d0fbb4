package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func byTestID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

var signedIn = Page{Title: "T", UserEmail: "ada@example.com", CSRF: "tok<en>", Version: "1.2.3", Nav: NavWebhook}

var groups = []EventGroup{
	{Name: "Tests", Types: []EventOption{{Name: "TEST_STARTED", Title: "Load Test Started"}, {Name: "TEST_FINISH", Title: "Load Test Completed"}}},
	{Name: "Projects", Types: []EventOption{{Name: "PROJECT_CREATED", Title: "New Project Created"}}},
}

func TestLayout(t *testing.T) {
	doc := render(t, ErrorPage(ErrorProps{Page: signedIn, Status: 404, Heading: "Page not found", Message: "<b>gone</b>"}))
	if got, _ := doc.Find("body").Attr("hx-headers"); got != `{"X-CSRF-Token":"tok\u003cen\u003e"}` {
		t.Errorf("hx-headers = %q", got)
	}
	if cur, _ := byTestID(doc, "nav-webhook").Attr("aria-current"); cur != "page" {
		t.Error("Webhook is not marked as the current page")
	}
	if _, ok := byTestID(doc, "nav-profile").Attr("aria-current"); ok {
		t.Error("Profile is marked current too")
	}
	if v, _ := byTestID(doc, "logout-form").Find(`input[name="_csrf"]`).Attr("value"); v != "tok<en>" {
		t.Errorf("logout form token = %q", v)
	}
	if byTestID(doc, "version").Text() != "1.2.3" {
		t.Errorf("footer version = %q", byTestID(doc, "version").Text())
	}
	if byTestID(doc, "error-message").Text() != "<b>gone</b>" || doc.Find("main b").Length() != 0 {
		t.Error("the error message is not escaped")
	}
	if doc.Find("script:not([src])").Length() != 0 {
		t.Error("inline script in the layout")
	}

	anon := render(t, ErrorPage(ErrorProps{Page: Page{Title: "T"}, Status: 500}))
	if byTestID(anon, "nav-login").Length() != 1 || byTestID(anon, "logout-form").Length() != 0 {
		t.Error("signed-out navigation is wrong")
	}
}

func TestLayoutFlashes(t *testing.T) {
	p := signedIn
	p.Flashes = []Flash{{Kind: FlashError, Message: "Bad"}, {Kind: FlashSuccess, Message: "Good"}}
	doc := render(t, WebhookListPage(WebhookListProps{Page: p, Max: 20}))
	flashes := byTestID(doc, "flash")
	if flashes.Length() != 2 {
		t.Fatalf("flashes = %d", flashes.Length())
	}
	if role, _ := flashes.Eq(0).Attr("role"); role != "alert" || !flashes.Eq(0).HasClass("flash-error") {
		t.Errorf("error flash role %q classes %q", role, flashes.Eq(0).AttrOr("class", ""))
	}
	if role, _ := flashes.Eq(1).Attr("role"); role != "status" {
		t.Errorf("success flash role = %q", role)
	}
}

func TestEndpointPageMarksErrorsAndKeepsInput(t *testing.T) {
	form := forms.EndpointForm{
		URL:         "ftp://example.com/<x>",
		Description: `say "hi"`,
		Headers:     []forms.HeaderRow{{Name: "X Team", Value: "v1"}, {Name: "Authorization", Value: "Bear••••••••", Masked: "Authorization"}},
		Events:      []string{"TEST_FINISH", "PROJECT_CREATED"},
		Enabled:     false,
	}
	form.KeepMasked([]catalog.Header{{Name: "Authorization", Value: "Bearer abc123"}})
	errs := form.Validate()
	if errs.URL == "" || errs.Row(0).Name == "" {
		t.Fatalf("fixture should be invalid: %+v", errs)
	}
	errs.Events = "Choose at least one event."
	doc := render(t, EndpointPage(EndpointPageProps{Page: signedIn, ID: 7, Form: form, Errors: errs, Groups: groups, SavedName: "Slack relay"}))

	// Every input has a label.
	doc.Find("input:not([type=hidden]):not([type=checkbox])").Each(func(_ int, in *goquery.Selection) {
		id, _ := in.Attr("id")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			t.Errorf("input %q has no label", in.AttrOr("name", ""))
		}
	})
	doc.Find("input[type=checkbox]").Each(func(_ int, in *goquery.Selection) {
		if in.ParentFiltered("label").Length() == 0 {
			t.Errorf("checkbox %q is not inside a label", in.AttrOr("value", ""))
		}
	})

	url := doc.Find("#url")
	if v, _ := url.Attr("value"); v != "ftp://example.com/<x>" {
		t.Errorf("url value = %q", v)
	}
	if inv, _ := url.Attr("aria-invalid"); inv != "true" {
		t.Error("url not aria-invalid")
	}
	if d, _ := url.Attr("aria-describedby"); d != "url-error" || byTestID(doc, "url-error").Text() != errs.URL {
		t.Errorf("url described by %q, message %q", d, byTestID(doc, "url-error").Text())
	}
	if inv, ok := doc.Find("#description").Attr("aria-invalid"); ok {
		t.Errorf("valid description marked invalid: %q", inv)
	}
	if v, _ := doc.Find("#description").Attr("value"); v != `say "hi"` {
		t.Errorf("description = %q", v)
	}

	rows := doc.Find(`[data-header-rows] [data-testid="header-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("header rows = %d", rows.Length())
	}
	name0 := rows.Eq(0).Find(`[data-testid="header-name"]`)
	if v, _ := name0.Attr("value"); v != "X Team" || name0.AttrOr("aria-invalid", "") != "true" {
		t.Errorf("row 0 name %q invalid=%q", v, name0.AttrOr("aria-invalid", ""))
	}
	if byTestID(doc, "header-name-0-error").Text() != errs.Row(0).Name {
		t.Errorf("row 0 error = %q", byTestID(doc, "header-name-0-error").Text())
	}
	masked := rows.Eq(1).Find(`[data-testid="header-value"]`)
	if v, _ := masked.Attr("value"); v != "Bear••••••••" || masked.AttrOr("data-masked", "") != "true" {
		t.Errorf("masked value %q data-masked=%q", v, masked.AttrOr("data-masked", ""))
	}
	if m, _ := rows.Eq(1).Find(`[data-testid="header-masked"]`).Attr("value"); m != "Authorization" {
		t.Errorf("hidden marker = %q", m)
	}
	if !strings.Contains(rows.Eq(1).Text(), "Leave it as is to keep the saved value") {
		t.Error("the masked value is not explained")
	}
	if v, _ := rows.Eq(1).Find(`[data-testid="remove-header"]`).Attr("value"); v != "remove-header-1" {
		t.Errorf("remove button value = %q", v)
	}
	if n := doc.Find(`button[name="action"][value="add-header"]`).Length(); n != 1 {
		t.Errorf("Add header buttons = %d", n)
	}

	if byTestID(doc, "events-error").Text() != "Choose at least one event." {
		t.Error("events error missing")
	}
	groupsEl := byTestID(doc, "event-group")
	if groupsEl.Length() != 2 || groupsEl.Eq(0).Find("legend").Text() != "Tests" {
		t.Fatalf("event groups = %d", groupsEl.Length())
	}
	if inv, _ := groupsEl.Eq(0).Attr("aria-invalid"); inv != "true" {
		t.Error("event groups not marked invalid")
	}
	for name, want := range map[string]bool{"TEST_STARTED": false, "TEST_FINISH": true, "PROJECT_CREATED": true} {
		box := byTestID(doc, "event-"+name)
		if _, checked := box.Attr("checked"); checked != want || !strings.Contains(box.Parent().Text(), name) {
			t.Errorf("%s checked=%v, label %q", name, checked, box.Parent().Text())
		}
	}
	selectAll := byTestID(doc, "select-all")
	if selectAll.Length() != 2 {
		t.Fatalf("select-all boxes = %d", selectAll.Length())
	}
	if _, on := selectAll.Eq(0).Attr("checked"); on {
		t.Error("Tests select-all checked with one of two events")
	}
	if _, on := selectAll.Eq(1).Attr("checked"); !on {
		t.Error("Projects select-all unchecked with its only event checked")
	}
	if target, _ := selectAll.Eq(0).Attr("data-select-all"); doc.Find("#"+target).Length() != 1 {
		t.Errorf("select-all points at missing fieldset %q", target)
	}
	if _, on := byTestID(doc, "enabled").Attr("checked"); on {
		t.Error("Enabled checked for a disabled form")
	}
	// The edit page is the form alone, posted to its own path; the
	// breadcrumbs name the endpoint and lead back to its overview.
	if byTestID(doc, "signing-secret").Length() != 0 || doc.Find("#endpoint-deliveries").Length() != 0 {
		t.Error("the edit page shows the overview's parts")
	}
	if action := byTestID(doc, "endpoint-form").AttrOr("action", ""); action != paths.WithID(paths.EndpointEdit, 7) {
		t.Errorf("edit form action = %q", action)
	}
	if got := crumbs(doc); got != "Profile Integrations Webhook Slack relay Edit" {
		t.Errorf("breadcrumbs = %q", got)
	}
	if href := byTestID(doc, "breadcrumb").Find(`a:contains("Slack relay")`).AttrOr("href", ""); href != paths.WithID(paths.Endpoint, 7) {
		t.Errorf("the endpoint's crumb links to %q", href)
	}
	if href := byTestID(doc, "cancel-endpoint").AttrOr("href", ""); href != paths.WithID(paths.Endpoint, 7) {
		t.Errorf("Cancel leads to %q, want the overview", href)
	}
}

func TestEndpointOverview(t *testing.T) {
	until := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	props := EndpointOverviewProps{
		Page: signedIn, ID: 3, URL: "https://hooks.example.com/in", EventTypes: []string{"TEST_STARTED"},
		State: EndpointState{Enabled: true}, PreviousSecretUntil: &until,
		Deliveries: EndpointDeliveriesProps{EndpointID: 3, Enabled: true, EventTypes: groups, Recent: DeliveryListProps{EndpointID: 3, Compact: true}},
	}
	doc := render(t, EndpointOverviewPage(props))
	// Without a description the endpoint is named by its host.
	if got := strings.Join(strings.Fields(byTestID(doc, "endpoint-name").Text()), " "); got != "hooks.example.com Enabled" {
		t.Errorf("heading = %q", got)
	}
	if got := crumbs(doc); got != "Profile Integrations Webhook hooks.example.com" {
		t.Errorf("breadcrumbs = %q", got)
	}
	if byTestID(doc, "secret-value").Text() != maskedSecret || !strings.Contains(byTestID(doc, "previous-secret").Text(), "1 May 2026, 12:30 UTC") {
		t.Error("the overview lacks the masked secret or the rotation notice")
	}
	if doc.Find(`#endpoint-deliveries [data-testid="send-test-form"]`).Length() != 1 || doc.Find("#endpoint-deliveries #delivery-list").Length() != 1 ||
		doc.Find("#endpoint-deliveries #endpoint-health").Length() != 1 {
		t.Error("the deliveries section is not rendered inside #endpoint-deliveries")
	}
	if href := byTestID(doc, "edit-endpoint").AttrOr("href", ""); href != paths.WithID(paths.EndpointEdit, 3) {
		t.Errorf("Edit leads to %q", href)
	}
	if v := byTestID(doc, "endpoint-actions").Find(`input[name="`+ReturnParam+`"]`).AttrOr("value", ""); v != ReturnOverview {
		t.Error("Disable on the overview does not come back to it")
	}
	// What comes first: the secret before Send test, before health, before
	// the deliveries.
	html, _ := doc.Html()
	order := []string{`data-testid="endpoint-name"`, `id="signing-secret"`, `id="verify-signatures"`, `id="send-test"`, `id="endpoint-health"`, `id="recent-deliveries"`}
	for i := 1; i < len(order); i++ {
		if strings.Index(html, order[i-1]) > strings.Index(html, order[i]) {
			t.Errorf("%s comes after %s", order[i-1], order[i])
		}
	}

	failing := props
	since := time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)
	failing.State = EndpointState{Enabled: true, FailingSince: &since, LastError: "no answer within 10 s"}
	doc = render(t, EndpointOverviewPage(failing))
	if byTestID(doc, "endpoint-status").Text() != StateLabelFailing || byTestID(doc, "failing-reason").Text() != "Last error: no answer within 10 s." {
		t.Errorf("failing: badge %q, reason %q", byTestID(doc, "endpoint-status").Text(), byTestID(doc, "failing-reason").Text())
	}

	off := props
	off.State = EndpointState{DisabledReason: "every message to it failed for more than 24 hours", DisabledAt: &since}
	doc = render(t, EndpointOverviewPage(off))
	if byTestID(doc, "endpoint-status").Text() != StateLabelDisabled || !strings.Contains(byTestID(doc, "disabled-notice").Text(), "30 Apr 2026, 09:00 UTC") {
		t.Errorf("disabled: badge %q, notice %q", byTestID(doc, "endpoint-status").Text(), byTestID(doc, "disabled-notice").Text())
	}
	if action := byTestID(doc, "reenable-replay").Closest("form").AttrOr("action", ""); action != paths.WithID(paths.EndpointReenable, 3) {
		t.Errorf("Enable and replay posts to %q", action)
	}

	created := render(t, EndpointPage(EndpointPageProps{Page: signedIn, Form: forms.NewEndpointForm(), Groups: groups}))
	if byTestID(created, "signing-secret").Length() != 0 || created.Find("#endpoint-deliveries").Length() != 0 {
		t.Error("the new-endpoint page shows edit-only parts")
	}
	if action, _ := byTestID(created, "endpoint-form").Attr("action"); action != paths.NewEndpoint {
		t.Errorf("form action = %q", action)
	}
	if _, on := byTestID(created, "enabled").Attr("checked"); !on {
		t.Error("a new endpoint is not enabled by default")
	}
}

func TestWebhookListEmptyState(t *testing.T) {
	doc := render(t, WebhookListPage(WebhookListProps{Page: signedIn, Max: 20}))
	empty := byTestID(doc, "empty-state")
	if empty.Length() != 1 || !strings.Contains(empty.Text(), "No endpoints yet") {
		t.Fatalf("empty state = %q", empty.Text())
	}
	if byTestID(doc, "add-endpoint").Length() != 1 {
		t.Error("the empty state has no Add endpoint button")
	}
}

func TestWebhookListCards(t *testing.T) {
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	eps := []EndpointCard{
		{ID: 1, URL: "https://a.example/hook", EventCount: 1, State: EndpointState{Enabled: true},
			Last:   &LastDelivery{State: models.StateSucceeded, At: now.Add(-5 * time.Minute)},
			Health: HealthFigure{Delivered: 4, Finished: 4}, HealthWindow: 24 * time.Hour},
		{ID: 2, URL: "https://b.example/hook", EventCount: 9, State: EndpointState{DisabledReason: "410 Gone"}},
		{ID: 3, URL: "https://c.example/hook", EventCount: 1, State: EndpointState{Enabled: true, FailingSince: ptr(now.Add(-3 * time.Hour)), LastError: "the receiver answered 500 Internal Server Error"},
			Health: HealthFigure{Delivered: 0, Finished: 54}, HealthWindow: 24 * time.Hour},
	}
	doc := render(t, WebhookListPage(WebhookListProps{Page: signedIn, Endpoints: eps, Max: 20, Now: now}))
	cards := byTestID(doc, "endpoint-card")
	if cards.Length() != 3 {
		t.Fatalf("cards = %d", cards.Length())
	}
	a, b, c := cards.Eq(0), cards.Eq(1), cards.Eq(2)
	if got := a.Find(`[data-testid="state-badge"]`).Text(); got != "Succeeded" {
		t.Errorf("state badge = %q", got)
	}
	if got := strings.Join(strings.Fields(a.Find(`[data-testid="endpoint-last"]`).Text()), " "); got != "Last delivery Succeeded 5 minutes ago" {
		t.Errorf("last = %q", got)
	}
	if got := strings.Join(strings.Fields(a.Find(`[data-testid="endpoint-rate"]`).Text()), " "); got != "Last 24 hours: 100% 4 of 4 messages delivered" {
		t.Errorf("rate = %q", got)
	}
	if a.Find(`[data-testid="endpoint-status"]`).Text() != "Enabled" || c.Find(`[data-testid="endpoint-status"]`).Text() != "Failing" {
		t.Error("a failing endpoint is not shown as Failing")
	}
	if got := strings.Join(strings.Fields(c.Find(`[data-testid="failing-reason"]`).Text()), " "); got != "Every message since 3 hours ago failed: the receiver answered 500 Internal Server Error" {
		t.Errorf("failing reason = %q", got)
	}
	if banner := byTestID(doc, "auto-disabled-banner"); banner.Length() != 1 || banner.Find(`a[href="`+paths.WithID(paths.Endpoint, 2)+`"]`).Text() != "b.example" {
		t.Errorf("banner = %q", banner.Text())
	}
	if a.Find(`[data-testid="endpoint-events"]`).Text() != "1 event" || b.Find(`[data-testid="endpoint-events"]`).Text() != "9 events" {
		t.Error("event counts wrong")
	}
	if b.Find(`[data-testid="endpoint-status"]`).Text() != "Disabled" || !strings.Contains(b.Find(`[data-testid="disabled-reason"]`).Text(), "410 Gone") {
		t.Error("disabled endpoint not shown as such")
	}
	if v, _ := b.Find(`input[name="enabled"]`).Attr("value"); v != "true" || b.Find(`[data-testid="toggle-endpoint"]`).Text() != "Enable" {
		t.Error("disabled endpoint's toggle does not enable")
	}
	if msg, _ := a.Find(`form[action$="/delete"]`).Attr("data-confirm"); !strings.Contains(msg, "https://a.example/hook") {
		t.Errorf("delete confirm = %q", msg)
	}
	if byTestID(doc, "add-endpoint").Length() != 1 || byTestID(doc, "endpoint-limit").Length() != 0 {
		t.Error("below the limit: Add endpoint must show and the note must not")
	}

	full := make([]EndpointCard, 20)
	for i := range full {
		full[i] = EndpointCard{ID: int64(i + 1), URL: "https://x.example", EventCount: 1, State: EndpointState{Enabled: true}}
	}
	doc = render(t, WebhookListPage(WebhookListProps{Page: signedIn, Endpoints: full, Max: 20, Now: now}))
	if byTestID(doc, "add-endpoint").Length() != 0 || byTestID(doc, "endpoint-limit").Length() != 1 {
		t.Error("at the limit: Add endpoint must hide and the note must show")
	}
}

func TestProfilePageNewToken(t *testing.T) {
	used := time.Date(2026, 1, 2, 11, 0, 0, 0, time.UTC)
	props := ProfileProps{
		Page: signedIn, Email: "ada@example.com", EndpointCount: 2, BaseURL: "http://127.0.0.1:8080", Now: used.Add(time.Hour),
		Tokens:      []TokenRow{{ID: 5, Name: "CI", Prefix: "lh_abcde", CreatedAt: used, LastUsedAt: &used}},
		NewToken:    &NewToken{Name: "CI", Value: "lh_abcdefghij"},
		TokenErrors: forms.TokenErrors{Name: "too long"},
		TokenForm:   forms.TokenForm{Name: "typed"},
	}
	doc := render(t, ProfilePage(props))
	if byTestID(doc, "new-token-value").Text() != "lh_abcdefghij" {
		t.Error("new token not shown")
	}
	if copyBtn := doc.Find(`[data-copy="#new-token-value"]`); copyBtn.Length() != 1 {
		t.Error("no copy button for the new token")
	}
	if href, _ := byTestID(doc, "integration-webhook").Attr("href"); href != paths.Webhook {
		t.Errorf("Webhook integration links to %q", href)
	}
	if v, _ := byTestID(doc, "token-name").Attr("value"); v != "typed" || byTestID(doc, "token-name").AttrOr("aria-invalid", "") != "true" {
		t.Error("token name not kept or not marked")
	}
	if doc.Find(`label[for="token-name"]`).Text() != "Token name" || byTestID(doc, "create-token").Text() != "Create token" {
		t.Error("token form labels wrong")
	}
	row := byTestID(doc, "token-row")
	if row.Find(`[data-testid="token-row-prefix"]`).Text() != "lh_abcde…" || !strings.Contains(row.Text(), "1 hour ago") {
		t.Errorf("token row = %q", row.Text())
	}
	if action, _ := row.Find("form").Attr("action"); action != "/profile/tokens/5/revoke" {
		t.Errorf("revoke posts to %q", action)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := map[time.Duration]string{
		10 * time.Second:    "just now",
		time.Minute:         "1 minute ago",
		59 * time.Minute:    "59 minutes ago",
		2 * time.Hour:       "2 hours ago",
		36 * time.Hour:      "1 day ago",
		90 * 24 * time.Hour: "10 Dec 2025",
		-5 * time.Minute:    "just now",
	}
	for d, want := range tests {
		if got := ago(now.Add(-d), now); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// crumbs is the breadcrumb trail as text, one space between crumbs.
func crumbs(doc *goquery.Document) string {
	return strings.Join(byTestID(doc, "breadcrumb").Find("li").Map(func(_ int, li *goquery.Selection) string {
		return strings.TrimSpace(li.Text())
	}), " ")
}
