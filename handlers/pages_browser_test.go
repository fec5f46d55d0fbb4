package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// seededHeaders are the request headers of a seeded attempt, as recorded.
const seededHeaders = `{"Content-Type":["application/json"],"User-Agent":["loadhook/test"],"Webhook-Id":["msg_01jzseeded"],"Webhook-Signature":["v1,••••"],"Authorization":["Bear••••••••"]}`

// phoneWidth is the CSS width of a common phone (an iPhone 12 to 15).
const phoneWidth = 390

// seedBrowserAccount signs up in the browser and gives the account what
// every page can show: an endpoint with delivered, failed and blocked
// messages, and an API token. It returns the user, the endpoint and a
// delivered message's id.
func seedBrowserAccount(t *testing.T, ctx context.Context, app *testApp, email string) (*models.User, int64, string) {
	t.Helper()
	base := app.srv.URL
	browserSignUp(t, ctx, base, email)
	user := app.user(email)
	ep := &models.Endpoint{UserID: user.ID, URL: "https://receiver.example.com/hooks/loadhook/a-rather-long-path-that-goes-on", Description: "CI pipeline",
		Events: "TEST_STARTED,TEST_FINISH,TEST_FAILED", Enabled: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Headers: []catalog.Header{{Name: "Authorization", Value: "Bearer abcdefghijklmnopqrstuvwxyz"}}}
	if err := app.store.CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	ok := app.seedMessage(user.ID, ep.ID, seedMsg{state: models.StateSucceeded, status: 200, attempts: 2})
	app.seedAttempt(ok, models.Attempt{URL: ep.URL, ResponseStatus: 500, ErrorClass: "http_status", ResponseBody: []byte("upstream timed out"), RequestHeaders: seededHeaders})
	app.seedAttempt(ok, models.Attempt{Number: 2, URL: ep.URL, ResponseStatus: 200, Success: true, ResponseBody: []byte(`{"ok":true}`), RequestHeaders: seededHeaders})
	app.seedMessage(user.ID, ep.ID, seedMsg{state: models.StateFailed, status: 500, attempts: 4})
	blocked := app.seedMessage(user.ID, ep.ID, seedMsg{state: models.StateFailed, class: "blocked", attempts: 1})
	app.seedAttempt(blocked, models.Attempt{URL: ep.URL, ErrorClass: "blocked", ErrorDetail: "blocked: 10.0.0.5 is a private address"})
	do(t, ctx, "create a token",
		chromedp.Navigate(base+"/profile"),
		chromedp.WaitVisible(tid("token-form")),
		chromedp.SendKeys(chromedp.ID("token-name"), "a token with a fairly long name for CI"),
		chromedp.Click(tid("create-token")),
		chromedp.WaitVisible(tid("token-row")),
	)
	return user, ep.ID, ok.ID
}

// TestBrowserPhoneWidth: at 390 px every page fits the screen, with no
// sideways scrolling, and the token list keeps Revoke in view.
func TestBrowserPhoneWidth(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	emulateWidth(t, ctx, phoneWidth)
	_, id, msgID := seedBrowserAccount(t, ctx, app, "a.long.address.for.a.phone@example.com")
	pages := []string{
		"/profile/integrations/webhook",
		"/profile/integrations/webhook/endpoints/new",
		fmt.Sprintf("/profile/integrations/webhook/endpoints/%d", id),
		fmt.Sprintf("/profile/integrations/webhook/endpoints/%d/edit", id),
		fmt.Sprintf("/profile/integrations/webhook/endpoints/%d/deliveries", id),
		"/profile/integrations/webhook/deliveries/" + msgID,
		"/profile", "/profile/account", "/docs/events", "/docs/delivery-failures", "/no/such/page",
	}
	for _, p := range pages {
		do(t, ctx, "open "+p, chromedp.Navigate(app.srv.URL+p), chromedp.WaitVisible(chromedp.CSS("footer")))
		assertFitsPhone(t, ctx, p)
	}
	do(t, ctx, "open the profile", chromedp.Navigate(app.srv.URL+"/profile"), chromedp.WaitVisible(tid("revoke-token")))
	right := run(t, ctx, "measure Revoke", chromedp.Evaluate[float64](`document.querySelector('[data-testid=revoke-token]').getBoundingClientRect().right`))
	if right > phoneWidth {
		t.Errorf("Revoke ends at %.0f px, off a %d px screen", right, phoneWidth)
	}
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS(`[data-testid=logout-form] button`)), chromedp.WaitVisible(tid("login-form")))
	for _, p := range []string{"/login", "/signup"} {
		do(t, ctx, "open "+p, chromedp.Navigate(app.srv.URL+p), chromedp.WaitVisible(chromedp.CSS("footer")))
		assertFitsPhone(t, ctx, p)
	}
}

// assertFitsPhone fails when the page scrolls sideways at phoneWidth, naming
// the widest elements.
func assertFitsPhone(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	got := run(t, ctx, "measure "+where, chromedp.Evaluate[[]string](`(() => {
		const w = document.scrollingElement.scrollWidth;
		const wide = [...document.querySelectorAll('body *')]
			.filter(e => e.getBoundingClientRect().right > `+fmt.Sprint(phoneWidth)+` + 0.5 && !(e.parentElement && e.parentElement.closest('.table-scroll, .overflow-auto, pre')))
			.slice(0, 6).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + ' → ' + Math.round(e.getBoundingClientRect().right));
		return [String(w), ...wide];
	})()`))
	if got[0] != fmt.Sprint(phoneWidth) {
		t.Errorf("%s scrolls sideways at %d px: scrollWidth %s; widest: %s", where, phoneWidth, got[0], strings.Join(got[1:], ", "))
	}
}

// TestBrowserLiveRefreshKeepsFocusAndPanels: while a delivery is in flight
// its page refreshes every second; the refresh morphs the page in place, so
// the element with focus keeps it and an attempt the user opened stays
// open, and the delivery log's rows keep focus too.
func TestBrowserLiveRefreshKeepsFocusAndPanels(t *testing.T) {
	var calls atomic.Int32
	app, ctx, receiverURL := deliveringBrowserApp(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	base := app.srv.URL
	uid, ep, sentID := browserTestEvent(t, ctx, app, "live@example.com", receiverURL+"/hook")
	do(t, ctx, "open the delivery", chromedp.Navigate(base+"/profile/integrations/webhook/deliveries/"+sentID), chromedp.WaitVisible(tid("delivery-status")))
	// Count the refreshes the page swaps in.
	do(t, ctx, "count refreshes", chromedp.Evaluate[chromedp.Void](`window.__swaps = 0; document.addEventListener('htmx:afterSettle', () => window.__swaps++)`))
	waitFor(t, ctx, "two attempts are shown", `document.querySelectorAll('[data-testid=attempt]').length >= 2`)

	// The first attempt is closed by default once a later one exists: open
	// it, and leave focus on its summary.
	first := `document.querySelector('#attempt-1 details')`
	do(t, ctx, "open the first attempt", chromedp.Evaluate[chromedp.Void](first+`.querySelector('summary').focus(); `+first+`.open = true;
		window.__focused = document.activeElement; window.__swapsThen = window.__swaps`))
	waitFor(t, ctx, "two more refreshes", `window.__swaps >= window.__swapsThen + 2`)
	got := run(t, ctx, "read the page", chromedp.Evaluate[[]string](`[String(`+first+`.open), String(document.activeElement === window.__focused),
		document.activeElement.tagName.toLowerCase()]`))
	if strings.Join(got, "|") != "true|true|summary" {
		t.Errorf("after refreshes: first attempt open %s, focus kept %s (on %s)", got[0], got[1], got[2])
	}
	waitFor(t, ctx, "the delivery succeeds", `document.querySelector('[data-testid=delivery-status]').dataset.state === 'succeeded'`)
	if got := run(t, ctx, "read the status", chromedp.Text(tid("attempts-used"))); got != "Delivered on attempt 4" {
		t.Errorf("status = %q", got)
	}

	// The delivery log: focus on a row's link survives the refreshes.
	again, err := app.hooks.SendTest(context.Background(), uid, ep, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	calls.Store(0)
	do(t, ctx, "open the log", chromedp.Navigate(base+endpointPath(ep, "deliveries")), chromedp.WaitVisible(tid("delivery-list")))
	do(t, ctx, "focus the new row", chromedp.Evaluate[chromedp.Void](`window.__swaps = 0; document.addEventListener('htmx:afterSettle', () => window.__swaps++);
		document.querySelector('[data-message-id="`+again.ID+`"] [data-testid=delivery-link]').focus(); window.__focused = document.activeElement`))
	waitFor(t, ctx, "two refreshes of the list", `window.__swaps >= 2`)
	if !run(t, ctx, "read focus", chromedp.Evaluate[bool](`document.activeElement === window.__focused && document.activeElement.matches('[data-testid=delivery-link]')`)) {
		t.Error("a refresh of the delivery log took the focus away")
	}
}

// TestBrowserDarkMode: the pages follow the system's colour scheme.
func TestBrowserDarkMode(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	background := func(scheme string) []float64 {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "open the log-in page", chromedp.Navigate(app.srv.URL+"/login"), chromedp.WaitVisible(tid("login-form")))
		return run(t, ctx, "read the colours", chromedp.Evaluate[[]float64](`[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('h1')).color,
			getComputedStyle(document.querySelector('.site-header')).backgroundColor]
			.map(c => { const [r, g, b] = c.match(/\d+(\.\d+)?/g).map(Number); return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; })`))
	}
	light, dark := background("light"), background("dark")
	if light[0] < 0.8 || light[1] > 0.4 || light[2] < 0.8 {
		t.Errorf("light scheme: luminance of background %.2f, heading %.2f, header %.2f", light[0], light[1], light[2])
	}
	if dark[0] > 0.2 || dark[1] < 0.6 || dark[2] > 0.2 {
		t.Errorf("dark scheme: luminance of background %.2f, heading %.2f, header %.2f", dark[0], dark[1], dark[2])
	}
}

// TestBrowserLocalTime: times show in the browser's zone, with UTC on
// hover and in the datetime attribute.
func TestBrowserLocalTime(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en-GB"}); err != nil {
		t.Fatal(err)
	}
	user, _, msgID := seedBrowserAccount(t, ctx, app, "zone@example.com")
	d, err := app.store.DeliveryDetail(context.Background(), user.ID, msgID)
	if err != nil {
		t.Fatal(err)
	}
	started := d.Attempts[0].StartedAt
	do(t, ctx, "open the delivery", chromedp.Navigate(app.srv.URL+"/profile/integrations/webhook/deliveries/"+msgID), chromedp.WaitVisible(tid("attempt")))
	got := run(t, ctx, "read the first attempt's time", chromedp.Evaluate[[]string](`(() => { const el = document.querySelector('#attempt-1 [data-testid=attempt-started]');
		return [el.textContent, el.getAttribute('title'), el.getAttribute('datetime')] })()`))
	tokyo := time.FixedZone("JST", 9*3600)
	if want := started.In(tokyo).Format("15:04:05"); !strings.Contains(got[0], want) || !strings.Contains(got[0], "GMT+9") {
		t.Errorf("attempt time = %q, want Tokyo's %s", got[0], want)
	}
	if got[1] != started.UTC().Format("2 Jan 2006, 15:04:05 UTC") || got[2] != started.UTC().Format(time.RFC3339) {
		t.Errorf("title %q, datetime %q", got[1], got[2])
	}
	// The payload's timestamp stays exactly as SPEC.md says: UTC, no zone.
	payload := run(t, ctx, "read the payload", chromedp.Text(tid("payload-raw")))
	if strings.Contains(payload, "GMT") {
		t.Errorf("the payload was localised: %s", payload)
	}
}

// TestBrowserAccount: the header shows who is signed in and leads to the
// account page; Show reveals a password while typing; changing the password ends the other sessions, and changing the
// email changes the header.
func TestBrowserAccount(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	base := app.srv.URL
	browserSignUp(t, ctx, base, "account@example.com")
	elsewhere := app.client()
	elsewhere.post("/login", url.Values{"email": {"account@example.com"}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")

	do(t, ctx, "open the account page from the header",
		chromedp.Click(tid("nav-email")),
		chromedp.WaitVisible(tid("password-form")),
		chromedp.SendKeys(chromedp.ID("current-password"), testPassword),
		chromedp.Click(tid("current-password-toggle")),
	)
	got := run(t, ctx, "read the field", chromedp.Evaluate[[]string](`[document.getElementById('current-password').type,
		document.querySelector('[data-testid=current-password-toggle]').getAttribute('aria-pressed'), document.getElementById('current-password').value]`))
	if strings.Join(got, "|") != "text|true|"+testPassword {
		t.Errorf("after Show: %q", got)
	}
	const newPassword = "a new passphrase for the browser"
	do(t, ctx, "change the password",
		chromedp.SendKeys(chromedp.ID("new-password"), newPassword),
		chromedp.Click(tid("change-password-submit")),
		chromedp.WaitVisible(tid("flash")),
	)
	if got := run(t, ctx, "read the flash", chromedp.Text(tid("flash"))); got != "Password changed. Signed out everywhere else (1 other session)." {
		t.Errorf("flash = %q", got)
	}
	if res := elsewhere.get("/profile"); res.status != http.StatusSeeOther {
		t.Errorf("the other session still works after the change: %d", res.status)
	}
	do(t, ctx, "change the email",
		chromedp.SendKeys(chromedp.ID("new-email"), "renamed@example.com"),
		chromedp.SendKeys(chromedp.ID("email-password"), newPassword),
		chromedp.Click(tid("change-email-submit")),
	)
	// The page before still shows the password's flash: wait for the new one.
	waitFor(t, ctx, "the email change's confirmation",
		`document.querySelector('[data-testid=flash]')?.textContent.includes('you now log in as renamed@example.com')`)
	if got := run(t, ctx, "read the header", chromedp.Text(tid("nav-email"))); got != "renamed@example.com" {
		t.Errorf("header email = %q", got)
	}
	app.client().post("/login", url.Values{"email": {"renamed@example.com"}, "password": {newPassword}}).wantRedirect("/profile/integrations/webhook")
}
