package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// TestBrowserOverviewConfirmationsInView: on an endpoint's overview, Rotate
// secret, Resend failed and Send test event each confirm in view, from a
// page scrolled so the button sits at the bottom of the screen: with
// JavaScript and without, at desktop and phone width. With htmx, Send test
// event's health figures and chart then count the test once it is
// delivered, without a reload.
func TestBrowserOverviewConfirmationsInView(t *testing.T) {
	app, ctx, receiverURL := deliveringBrowserApp(t, answer(http.StatusNoContent))
	browserSignUp(t, ctx, app.srv.URL, "confirm@example.com")
	user := app.user("confirm@example.com")
	id := app.seedEndpoint(user.ID, receiverURL+"/hook")
	// Enough rows that Resend failed is below the first screen.
	for range 8 {
		app.seedMessage(user.ID, id, seedMsg{state: models.StateSucceeded, status: 200, attempts: 1})
	}
	acceptDialogs(ctx)
	overview := app.srv.URL + endpointPath(id, "")

	actions := []struct {
		button, flash string
	}{
		{"rotate-secret", "New signing secret created"},
		{"resend-failed", "No failed deliveries in the last 24 hours"},
		{"send-test-button", "Sent a TEST_STARTED test event as msg_"},
	}
	for _, width := range layoutWidths {
		for _, scripts := range []bool{true, false} {
			where := fmt.Sprintf("%d px, scripts %v", width, scripts)
			emulateWidth(t, ctx, width)
			setScripts(t, ctx, scripts)
			for _, a := range actions {
				do(t, ctx, where+": open the overview", chromedp.Navigate(overview), chromedp.WaitVisible(tid("endpoint-overview")))
				if loaded := run(t, ctx, where+": look for htmx", chromedp.Evaluate[bool](`!!window.htmx`)); loaded != scripts {
					t.Fatalf("%s: htmx loaded: %v", where, loaded)
				}
				// Where a user clicks from: the button just in view at the bottom.
				do(t, ctx, where+": scroll to "+a.button, chromedp.Evaluate[chromedp.Void](
					`document.querySelector('[data-testid=`+a.button+`]').scrollIntoView({block: 'end'})`))
				do(t, ctx, where+": press "+a.button, chromedp.Click(tid(a.button)))
				if !(scripts && a.button == "send-test-button") {
					flashInView(t, ctx, a.flash)
					if a.button == "send-test-button" {
						waitAllDelivered(t, app)
					}
					continue
				}
				// htmx answers in place: the status line under the button. The
				// scroll is in whole pixels, the line's box not: a pixel's slack.
				waitFor(t, ctx, where+": the test's status line in view", `(() => {
					const s = document.getElementById('test-event-status'), r = s.getBoundingClientRect();
					return s.textContent.includes(`+strconv.Quote(a.flash)+`) && r.top >= 0 && r.bottom <= window.innerHeight + 1;
				})()`)
				waitAllDelivered(t, app)
				var delivered, okAttempts int64
				app.db.Model(&models.Message{}).Where("endpoint_id = ? AND state = ?", id, models.StateSucceeded).Count(&delivered)
				app.db.Model(&models.Attempt{}).Where("endpoint_id = ? AND success = ?", id, true).Count(&okAttempts)
				waitFor(t, ctx, where+": the health figures count the test", fmt.Sprintf(
					`document.querySelector('#endpoint-health [data-window="Last 24 hours"] [data-testid=health-counts]').textContent.trim() === '%d of %d messages delivered'`,
					delivered, delivered))
				waitFor(t, ctx, where+": the chart counts its attempt", fmt.Sprintf(
					`document.querySelector('#endpoint-health [data-testid=chart-summary]').textContent.includes(': %d succeeded, 0 failed')`, okAttempts))
			}
		}
	}
}

// waitAllDelivered waits until no message is pending or retrying.
func waitAllDelivered(t *testing.T, app *testApp) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var inFlight int64
		app.db.Model(&models.Message{}).Where("state IN ?", catalog.InFlightStates).Count(&inFlight)
		if inFlight == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in flight", inFlight)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserTokenCreatedOnce: creating a token lands on the profile page
// by GET, its value in view; a reload creates no second token and no
// longer shows the value.
func TestBrowserTokenCreatedOnce(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	browserSignUp(t, ctx, app.srv.URL, "token.once@example.com")
	do(t, ctx, "create a token",
		chromedp.Navigate(app.srv.URL+"/profile"),
		chromedp.WaitVisible(tid("token-form")),
		chromedp.SendKeys(chromedp.ID("token-name"), "CI"),
		chromedp.Click(tid("create-token")),
		chromedp.WaitVisible(tid("new-token-value")),
	)
	got := run(t, ctx, "read the page", chromedp.Evaluate[[]string](`(() => {
		const r = document.querySelector('[data-testid=new-token-value]').getBoundingClientRect();
		return [location.pathname, String(r.top >= 0 && r.bottom <= window.innerHeight),
			document.querySelector('[data-testid=new-token-value]').textContent];
	})()`))
	if got[0] != "/profile" || got[1] != "true" || !tokenPattern.MatchString(got[2]) {
		t.Fatalf("after Create: path %q, value in view %s, value %q", got[0], got[1], got[2])
	}
	value := got[2]
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(tid("token-row")))
	again := run(t, ctx, "read the reloaded page", chromedp.Evaluate[[]string](`[location.pathname,
		String(!!document.querySelector('[data-testid=new-token]')), String(document.body.innerHTML.includes(`+strconv.Quote(value)+`)),
		String(document.querySelectorAll('[data-testid=token-row]').length)]`))
	if strings.Join(again, "|") != "/profile|false|false|1" {
		t.Errorf("after a reload: path %q, new token shown %s, value on the page %s, rows %s", again[0], again[1], again[2], again[3])
	}
	if n := app.count("api_tokens"); n != 1 {
		t.Errorf("%d tokens after a reload, want 1", n)
	}
}

// TestBrowserShowPasswordToggles: every password field of the log-in,
// sign-up and account pages has Show, which shows what is typed and turns
// into Hide; the field is a password again when its form is sent. Without
// JavaScript the button is not there.
func TestBrowserShowPasswordToggles(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	fields := []struct {
		page, id string
		signedIn bool
	}{
		{"/login", "password", false},
		{"/signup", "password", false},
		{"/profile/account", "email-password", true},
		{"/profile/account", "current-password", true},
		{"/profile/account", "new-password", true},
	}
	signedIn := false
	for _, f := range fields {
		if f.signedIn && !signedIn {
			browserSignUp(t, ctx, app.srv.URL, "toggle@example.com")
			signedIn = true
		}
		where := f.page + " #" + f.id
		field, toggle := `document.getElementById('`+f.id+`')`, `document.querySelector('[data-testid=`+f.id+`-toggle]')`
		state := chromedp.Evaluate[string](`[` + field + `.type, ` + toggle + `.getAttribute('aria-pressed'), ` + toggle + `.textContent, ` + field + `.value].join('|')`)

		setScripts(t, ctx, false)
		do(t, ctx, where+": open without scripts", chromedp.Navigate(app.srv.URL+f.page), chromedp.WaitReady(chromedp.ID(f.id)))
		if run(t, ctx, where+": look for Show", chromedp.Evaluate[bool](toggle+`.getClientRects().length > 0`)) {
			t.Errorf("%s: Show is there without JavaScript, where it does nothing", where)
		}
		setScripts(t, ctx, true)
		do(t, ctx, where+": open", chromedp.Navigate(app.srv.URL+f.page), chromedp.WaitVisible(tid(f.id+"-toggle")),
			chromedp.SendKeys(chromedp.ID(f.id), "typed words"), chromedp.Click(tid(f.id+"-toggle")))
		if got := run(t, ctx, where+": read after Show", state); got != "text|true|Hide|typed words" {
			t.Errorf("%s after Show: %q", where, got)
		}
		do(t, ctx, where+": hide", chromedp.Click(tid(f.id+"-toggle")))
		if got := run(t, ctx, where+": read after Hide", state); got != "password|false|Show|typed words" {
			t.Errorf("%s after Hide: %q", where, got)
		}
		// Shown, then sent: the listener on window runs after app.js's.
		do(t, ctx, where+": show and send", chromedp.Click(tid(f.id+"-toggle")), chromedp.Evaluate[chromedp.Void](`
			window.addEventListener('submit', e => { window.__sentAs = `+field+`.type; e.preventDefault(); });
			`+field+`.form.requestSubmit()`))
		if got := run(t, ctx, where+": read the type sent", chromedp.Evaluate[string](`window.__sentAs`)); got != "password" {
			t.Errorf("%s: sent as type %q, want password", where, got)
		}
	}
}

// TestBrowserRevealFillsSnippets: Reveal fills the endpoint's secret into
// the Go, Node.js and Python verification snippets, each naming its
// Standard Webhooks library: in place with htmx, keeping the snippets open
// if they were, and on the secret's own page without JavaScript.
func TestBrowserRevealFillsSnippets(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	browserSignUp(t, ctx, app.srv.URL, "snippets@example.com")
	user := app.user("snippets@example.com")
	ep := &models.Endpoint{UserID: user.ID, URL: "https://receiver.example.com/hooks", Events: "TEST_STARTED", Enabled: true, Secret: catalog.GenerateSecret()}
	if err := app.store.CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	overview := app.srv.URL + endpointPath(ep.ID, "")
	// Per snippet: has the secret, and names a library to install.
	snippets := chromedp.Evaluate[[]string](`['go', 'node', 'python'].map(id => {
		const s = document.querySelector('[data-testid=snippet-' + id + ']');
		if (!s) return id + ': missing';
		return id + ': ' + s.querySelector('[data-testid=snippet-code-' + id + ']').textContent.includes(` + strconv.Quote(ep.Secret) + `)
			+ ', library ' + (s.querySelector('.snippet-head code')?.textContent.trim() !== '');
	})`)
	want := "go: true, library true|node: true, library true|python: true, library true"

	do(t, ctx, "open the snippets", chromedp.Navigate(overview), chromedp.WaitVisible(tid("reveal-secret")),
		chromedp.Click(chromedp.CSS(`#verify-slot > summary`)), chromedp.WaitVisible(tid("snippet-code-go")))
	if got := strings.Join(run(t, ctx, "read the snippets before Reveal", snippets), "|"); strings.Contains(got, ": true,") {
		t.Fatalf("the snippets hold the secret before Reveal: %s", got)
	}
	do(t, ctx, "reveal", chromedp.Click(tid("reveal-secret")))
	waitFor(t, ctx, "the secret is revealed", `document.getElementById('secret-value').textContent === `+strconv.Quote(ep.Secret))
	if got := strings.Join(run(t, ctx, "read the snippets", snippets), "|"); got != want {
		t.Errorf("after Reveal with htmx: %s", got)
	}
	if !run(t, ctx, "is the slot open", chromedp.Evaluate[bool](`document.getElementById('verify-slot').open`)) {
		t.Error("Reveal closed the snippets the user had opened")
	}

	setScripts(t, ctx, false)
	do(t, ctx, "reveal without scripts", chromedp.Navigate(overview), chromedp.WaitReady(tid("reveal-secret")),
		chromedp.Click(tid("reveal-secret")), chromedp.WaitReady(tid("secret-page")))
	if got := strings.Join(run(t, ctx, "read the secret page's snippets", snippets), "|"); got != want {
		t.Errorf("on the secret page: %s", got)
	}
}
