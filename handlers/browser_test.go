package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/models"
)

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile. Without
// Chromium the test is skipped, except in CI, where that is a failure.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not found; install chromium to run the browser tests", chromiumPath)
		}
		t.Fatalf("CI is set but %s is missing: %v", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	// Chromium now and then exits at launch when many start at once on a
	// busy machine ("chrome failed to start"); a second launch works.
	var err error
	for range 3 {
		// A fresh profile each time: a failed launch may leave its lock.
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(t.TempDir()))...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
		stop := func() {
			cancelTimeout()
			cancelCtx()
			cancelAlloc()
		}
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(stop)
			return ctx
		}
		stop()
		t.Logf("start chromium: %v; trying again", err)
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

// do runs steps and fails the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// waitFor evaluates a JavaScript condition until it is true. Errors while a
// navigation replaces the page are expected, and retried.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting until %s: last result %v, %v", what, ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveringBrowserApp is a test app whose engine delivers to a receiver on
// 127.0.0.1 that answers with answer, and a browser for it; it
// returns the receiver's URL. The receiver stays up until the engine has
// stopped.
func deliveringBrowserApp(t *testing.T, answer http.HandlerFunc) (*testApp, context.Context, string) {
	t.Helper()
	receiver := httptest.NewServer(answer)
	t.Cleanup(receiver.Close)
	app := newTestAppWith(t, appOptions{allowedHosts: "loopback", startEngine: true})
	return app, newBrowser(t), receiver.URL
}

// browserTestEvent signs email up in the browser, gives the account an
// endpoint at hookURL and sends it a test event; it returns the user, the
// endpoint and the test message.
func browserTestEvent(t *testing.T, ctx context.Context, app *testApp, email, hookURL string) (userID, endpointID int64, messageID string) {
	t.Helper()
	browserSignUp(t, ctx, app.srv.URL, email)
	userID = app.user(email).ID
	endpointID = app.seedEndpoint(userID, hookURL)
	sent, err := app.hooks.SendTest(context.Background(), userID, endpointID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	return userID, endpointID, sent.ID
}

// fillEndpointForm types into the endpoint form on the page: the URL and the
// description, a header row for each name and value, and a tick for each
// event type.
func fillEndpointForm(url, description string, headers [][2]string, events ...string) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("url"), url),
		chromedp.SendKeys(chromedp.ID("description"), description),
	}
	for i, h := range headers {
		name, value := "header-name-"+strconv.Itoa(i), "header-value-"+strconv.Itoa(i)
		steps = append(steps,
			chromedp.Click(tid("add-header")),
			chromedp.WaitVisible(chromedp.ID(name)),
			chromedp.SendKeys(chromedp.ID(name), h[0]),
			chromedp.SendKeys(chromedp.ID(value), h[1]),
		)
	}
	for _, e := range events {
		steps = append(steps, chromedp.Click(tid("event-"+e)))
	}
	return chromedp.Steps(steps...)
}

// TestBrowserEndpointLifecycle drives the real app in Chromium: sign up,
// open Webhook, add an endpoint with two headers and three events, land on
// its overview (what comes first, breadcrumbs, Reveal, a test event that
// the health block catches up with, confirmations in view), edit it on its
// own page, disable it from the overview, and delete it.
func TestBrowserEndpointLifecycle(t *testing.T) {
	app, ctx, receiverURL := deliveringBrowserApp(t, answer(http.StatusNoContent))
	base := app.srv.URL
	hookURL := receiverURL + "/hooks/loadhook"

	browserSignUp(t, ctx, base, "browser@example.com")
	do(t, ctx, "open Profile, then Integrations → Webhook",
		chromedp.Click(tid("nav-profile")),
		chromedp.WaitVisible(tid("integrations")),
		chromedp.Click(tid("integration-webhook")),
		chromedp.WaitVisible(tid("empty-state")),
		chromedp.Click(chromedp.CSS(`[data-testid="empty-state"] [data-testid="add-endpoint"]`)),
		chromedp.WaitVisible(tid("endpoint-form")),
	)
	do(t, ctx, "fill the form", fillEndpointForm(hookURL, "Browser test endpoint",
		[][2]string{{"X-Team", "checkout"}, {"Authorization", "Bearer browser-secret-123"}},
		"TEST_STARTED", "TEST_FAILED", "PROJECT_CREATED"))
	// The select-all box of the Projects group follows its members.
	projectsAll := run(t, ctx, "read select-all",
		chromedp.Evaluate[[]bool](`[...document.querySelectorAll('[data-select-all]')].map(b => b.indeterminate || b.checked)`))
	if !slices.Equal(projectsAll, []bool{true, false, true}) {
		t.Errorf("select-all states (checked or partly) = %v, want Tests and Projects partly checked", projectsAll)
	}
	// Every confirm() of the app (Rotate, Resend failed, Delete) is accepted.
	acceptDialogs(ctx)

	// Save lands on the new endpoint's overview, the confirmation on top.
	do(t, ctx, "save", chromedp.Click(tid("save-endpoint")), chromedp.WaitVisible(tid("endpoint-overview")))
	flashInView(t, ctx, "Endpoint added")

	user := app.user("browser@example.com")
	eps, err := app.store.Endpoints(context.Background(), user.ID)
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints = %v, %v", eps, err)
	}
	id := eps[0].ID

	// The overview: the endpoint named by its description, its state, then
	// the secret, Send test event, health and the deliveries, in that order.
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(tid("endpoint-overview")))
	if got := run(t, ctx, "read the heading", chromedp.Evaluate[string](`document.querySelector('[data-testid=endpoint-name]').textContent.replace(/\s+/g, ' ').trim()`)); got != "Browser test endpoint Enabled" {
		t.Errorf("heading = %q", got)
	}
	if got := crumbTrail(t, ctx); got != "Profile › Integrations › Webhook › Browser test endpoint" {
		t.Errorf("breadcrumbs = %q", got)
	}
	order := run(t, ctx, "read the order", chromedp.Evaluate[[]string](`[...document.querySelectorAll(
		'[data-testid=endpoint-overview], #signing-secret, #send-test, #endpoint-health, [data-testid=attempts-chart], #recent-deliveries')].map(e => e.id || e.dataset.testid)`))
	if want := []string{"endpoint-overview", "signing-secret", "send-test", "endpoint-health", "attempts-chart", "recent-deliveries"}; !slices.Equal(order, want) {
		t.Errorf("the overview shows %v, want %v", order, want)
	}
	if top := run(t, ctx, "where the secret is", chromedp.Evaluate[float64](`document.getElementById('signing-secret').getBoundingClientRect().top`)); top > 900 {
		t.Errorf("the signing secret starts %v px down, below the first screen", top)
	}

	// htmx reveals the secret in place, under the CSP.
	do(t, ctx, "reveal the secret", chromedp.Click(tid("reveal-secret")))
	waitFor(t, ctx, "the secret is revealed",
		`document.getElementById('secret-value').textContent.startsWith('whsec_') && !document.getElementById('secret-value').textContent.includes('•')`)
	secret := run(t, ctx, "read the secret", chromedp.Text(chromedp.ID("secret-value")))
	if secret != eps[0].Secret {
		t.Errorf("revealed %q, want the endpoint's secret", secret)
	}
	// The verification snippets below the secret fill it in.
	waitFor(t, ctx, "the Go snippet uses the secret",
		`document.querySelector('[data-testid=snippet-code-go]').textContent.includes(`+strconv.Quote(eps[0].Secret)+`)`)

	// A test event: its row appears, and health and the chart catch up once
	// it is delivered, without a reload.
	do(t, ctx, "send a test event", chromedp.Click(tid("send-test-button")))
	waitFor(t, ctx, "the health block counts the delivered test",
		`document.querySelector('#endpoint-health [data-testid=health-counts]').textContent.trim() === '1 of 1 message delivered'`)
	waitFor(t, ctx, "the chart counts its attempt", `document.querySelectorAll('#endpoint-health [data-testid=bar-ok]').length === 1`)

	// Actions confirm at the top of the page they land on, in view.
	do(t, ctx, "rotate the secret", chromedp.Click(tid("rotate-secret")), chromedp.WaitVisible(tid("previous-secret")))
	flashInView(t, ctx, "New signing secret created")
	do(t, ctx, "resend failed", chromedp.Click(tid("resend-failed")))
	flashInView(t, ctx, "No failed deliveries in the last 24 hours")

	// Edit is a page of its own, the form showing what was saved.
	do(t, ctx, "open Edit", chromedp.Click(tid("edit-endpoint")), chromedp.WaitVisible(tid("endpoint-form")))
	if got := crumbTrail(t, ctx); got != "Profile › Integrations › Webhook › Browser test endpoint › Edit" {
		t.Errorf("edit page breadcrumbs = %q", got)
	}
	form := run(t, ctx, "read the form", chromedp.Evaluate[[]string](`[
		document.getElementById('url').value,
		document.getElementById('description').value,
		...[...document.querySelectorAll('[data-header-rows] .header-row')].map(r =>
			r.querySelector('[name=header_name]').value + '=' + r.querySelector('[name=header_value]').value),
		...[...document.querySelectorAll('input[name=events]:checked')].map(e => e.value),
		String(document.querySelector('[data-testid=enabled]').checked),
	]`))
	want := []string{hookURL, "Browser test endpoint", "X-Team=checkout", "Authorization=Bear••••••••",
		"TEST_STARTED", "TEST_FAILED", "PROJECT_CREATED", "true"}
	if !slices.Equal(form, want) {
		t.Fatalf("the edit page shows\n%q\nwant\n%q", form, want)
	}
	if n := run(t, ctx, "count overview parts", chromedp.Evaluate[int](`document.querySelectorAll('#signing-secret, #endpoint-deliveries').length`)); n != 0 {
		t.Error("the edit page repeats the overview")
	}

	do(t, ctx, "edit the description",
		chromedp.Clear(chromedp.ID("description")),
		chromedp.SendKeys(chromedp.ID("description"), "Edited in the browser"),
		chromedp.Click(tid("save-endpoint")),
		chromedp.WaitVisible(tid("endpoint-overview")),
	)
	flashInView(t, ctx, "Changes saved.")
	if got := run(t, ctx, "read the description", chromedp.Text(tid("endpoint-description"))); got != "Edited in the browser" {
		t.Errorf("description on the overview = %q", got)
	}
	saved, err := app.store.Endpoint(context.Background(), user.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Headers[1].Value != "Bearer browser-secret-123" {
		t.Errorf("the masked Authorization value changed on save: %q", saved.Headers[1].Value)
	}
	do(t, ctx, "open the list", chromedp.Navigate(base+"/profile/integrations/webhook"), chromedp.WaitVisible(tid("endpoint-card")))
	if got := run(t, ctx, "read the list's description", chromedp.Text(tid("endpoint-description"))); got != "Edited in the browser" {
		t.Errorf("description on the list = %q", got)
	}

	if os.Getenv("LOADHOOK_SCREENSHOTS") != "" {
		other := decorateForScreenshot(t, app, user.ID, id)
		screenshot(t, ctx, base+"/profile/integrations/webhook", "screenshot-webhook.png")
		if err := app.store.DeleteEndpoint(context.Background(), user.ID, other); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "back to the list", chromedp.Navigate(base+"/profile/integrations/webhook"), chromedp.WaitVisible(tid("endpoint-card")))
	}

	// Disable on the overview stays on the overview.
	do(t, ctx, "open the overview", chromedp.Click(tid("endpoint-url")), chromedp.WaitVisible(tid("endpoint-overview")))
	do(t, ctx, "disable", chromedp.Click(tid("toggle-endpoint")))
	waitFor(t, ctx, "the badge says Disabled",
		`document.querySelector('[data-testid=endpoint-status]').textContent === 'Disabled' && !!document.querySelector('[data-testid=endpoint-overview]')`)
	if ep, _ := app.store.Endpoint(context.Background(), user.ID, id); ep.Enabled {
		t.Error("still enabled in the database")
	}

	do(t, ctx, "delete", chromedp.Click(tid("delete-endpoint")), chromedp.WaitVisible(tid("empty-state")))
	if n := app.count("endpoints"); n != 0 {
		t.Errorf("endpoints = %d after delete", n)
	}
}

// acceptDialogs accepts every confirm() the page opens from now on.
func acceptDialogs(ctx context.Context) {
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

// flashInView waits for a flash saying text that is on screen: not above
// the viewport, as an #anchor jump would leave it, nor below it.
func flashInView(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	waitFor(t, ctx, "a flash saying "+strconv.Quote(text)+" in view", `[...document.querySelectorAll('[data-testid=flash]')].some(f => {
		const r = f.getBoundingClientRect();
		return f.textContent.includes(`+strconv.Quote(text)+`) && r.top >= 0 && r.bottom <= window.innerHeight;
	})`)
}

// crumbTrail reads the breadcrumbs as "A › B › C".
func crumbTrail(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "read the breadcrumbs", chromedp.Evaluate[string](
		`[...document.querySelectorAll('[data-testid=breadcrumb] li')].map(li => li.textContent.trim()).join(' › ')`))
}

// screenshot saves a full-page PNG of url into docs/. The delivery log's
// screenshots are made by TestBrowserDeliveryScreenshots.
func screenshot(t *testing.T, ctx context.Context, url, name string) {
	t.Helper()
	do(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("footer")))
	capture(t, ctx, docsPath(name))
}

// decorateForScreenshot gives the list some history to show: deliveries to
// the receiver through the real engine, and a second endpoint that the
// engine turned off, whose id it returns.
func decorateForScreenshot(t *testing.T, app *testApp, userID, id int64) int64 {
	t.Helper()
	ctx := context.Background()
	for _, typ := range []string{"TEST_STARTED", "TEST_FAILED", "PROJECT_CREATED"} {
		if _, err := app.hooks.SendTest(ctx, userID, id, typ); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var inFlight int64
		app.db.Model(&models.Message{}).Where("state IN ?", []string{models.StatePending, models.StateRetrying}).Count(&inFlight)
		if inFlight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(errors.New("test deliveries did not succeed in time"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	other := &models.Endpoint{UserID: userID, URL: "https://ci.example.com/hooks/load-tests", Description: "CI pipeline: fail the build on TEST_FAILED",
		Events: "TEST_FINISH,TEST_FAILED", Enabled: false, DisabledReason: "the receiver answered 410 Gone", Secret: "whsec_screenshot"}
	if err := app.store.CreateEndpoint(ctx, other); err != nil {
		t.Fatal(err)
	}
	return other.ID
}
