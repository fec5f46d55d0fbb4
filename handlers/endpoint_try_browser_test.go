package handlers

import (
	"net/http"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestBrowserTryBeforeSave fills the new-endpoint form in Chromium and
// presses "Send a test to this URL": htmx swaps in the result beside the
// button without leaving the page, the receiver gets one signed sample, the
// form keeps everything typed and nothing is saved. A wrong URL then shows
// its message on the field, and Save still saves what is typed.
func TestBrowserTryBeforeSave(t *testing.T) {
	rec := newTrialReceiver(t, http.StatusOK, `{"ok":true}`)
	app := newTestAppWith(t, appOptions{allowedHosts: "loopback"})
	ctx := newBrowser(t)
	base := app.srv.URL
	newPath := "/profile/integrations/webhook/endpoints/new"
	hookURL := rec.srv.URL + "/hooks/loadhook"

	browserSignUp(t, ctx, base, "try@example.com")
	do(t, ctx, "fill the new-endpoint form",
		chromedp.Navigate(base+newPath),
		chromedp.WaitVisible(tid("endpoint-form")),
		fillEndpointForm(hookURL, "Tried before saving",
			[][2]string{{"Authorization", "Bearer browser-try-123"}}, "TEST_STARTED"),
		chromedp.SetValue(chromedp.ID("try-event-type"), "TEST_FAILED"),
	)
	readForm := chromedp.Evaluate[[]string](`[
		location.pathname,
		document.getElementById('url').value,
		document.getElementById('description').value,
		...[...document.querySelectorAll('[data-header-rows] .header-row')].map(r =>
			r.querySelector('[name=header_name]').value + '=' + r.querySelector('[name=header_value]').value),
		...[...document.querySelectorAll('input[name=events]:checked')].map(e => e.value),
		document.getElementById('try-event-type').value,
	]`)
	typed := run(t, ctx, "read the form", readForm)

	do(t, ctx, "send a test", chromedp.Click(tid("try-endpoint")))
	waitFor(t, ctx, "the result shows beside the button",
		`(document.querySelector('[data-testid=try-explanation]')?.textContent || '').includes('delivered: the receiver answered 200 OK')`)
	if after := run(t, ctx, "read the form after the test", readForm); !slices.Equal(after, typed) {
		t.Errorf("after the test the page shows\n%q\nwant as typed\n%q", after, typed)
	}
	got := rec.got()
	if len(got) != 1 {
		t.Fatalf("the receiver got %d requests, want 1", len(got))
	}
	secret := run(t, ctx, "read the one-time secret", chromedp.Text(tid("try-secret-value")))
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("one-time secret %q: %v", secret, err)
	}
	if err := wh.Verify(got[0].body, got[0].header); err != nil {
		t.Errorf("the sample does not verify with the secret shown: %v", err)
	}
	if h := got[0].header.Get("Authorization"); h != "Bearer browser-try-123" {
		t.Errorf("Authorization sent: %q", h)
	}
	if body := run(t, ctx, "read the answer", chromedp.Text(tid("try-body"))); body != `{"ok":true}` {
		t.Errorf("answer shown %q", body)
	}
	if n := app.count("endpoints"); n != 0 {
		t.Fatalf("%d endpoints saved by a test", n)
	}

	do(t, ctx, "test a wrong URL",
		chromedp.SetValue(chromedp.ID("url"), "ftp://example.com/hooks"),
		chromedp.Click(tid("try-endpoint")),
		chromedp.WaitVisible(tid("url-error")),
		chromedp.WaitVisible(tid("try-not-sent")),
	)
	kept := run(t, ctx, "read the form after the refusal", readForm)
	want := slices.Clone(typed)
	want[1] = "ftp://example.com/hooks"
	if !slices.Equal(kept, want) {
		t.Errorf("after the refusal the page shows\n%q\nwant\n%q", kept, want)
	}

	do(t, ctx, "fix the URL and save",
		chromedp.SetValue(chromedp.ID("url"), hookURL),
		chromedp.Click(tid("save-endpoint")),
	)
	waitFor(t, ctx, "the form is saved", `location.pathname !== '`+newPath+`'`)
	user := app.user("try@example.com")
	eps, err := app.store.Endpoints(t.Context(), user.ID)
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints = %v, %v", eps, err)
	}
	if eps[0].URL != hookURL || eps[0].Description != "Tried before saving" || eps[0].Secret == secret {
		t.Errorf("saved %q %q; its secret must not be the trial's one-time secret", eps[0].URL, eps[0].Description)
	}
	if n := len(rec.got()); n != 1 {
		t.Errorf("the receiver got %d requests in all, want the one test", n)
	}
}
