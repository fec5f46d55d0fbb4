package handlers

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHTMXErrorNotice: an htmx request that fails shows the error
// above the page, in the same document, instead of doing nothing.
func TestBrowserHTMXErrorNotice(t *testing.T) {
	app := newTestAppWith(t, appOptions{allowedHosts: "loopback"})
	ctx := newBrowser(t)
	base := app.srv.URL

	browserSignUp(t, ctx, base, "notice@example.com")
	do(t, ctx, "add an endpoint",
		chromedp.Navigate(base+"/profile/integrations/webhook/endpoints/new"),
		chromedp.WaitVisible(tid("endpoint-form")),
		chromedp.SendKeys(chromedp.ID("url"), "http://127.0.0.1:9/hook"),
		chromedp.Click(tid("event-TEST_STARTED")),
		chromedp.Click(tid("save-endpoint")),
		chromedp.WaitVisible(tid("send-test-form")),
	)
	user := app.user("notice@example.com")
	eps, err := app.store.Endpoints(context.Background(), user.ID)
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints = %v, %v", eps, err)
	}
	// Deleted elsewhere while the page is open: Send test event gets a 404.
	if err := app.store.DeleteEndpoint(context.Background(), user.ID, eps[0].ID); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "send a test event",
		chromedp.Evaluate[chromedp.Void](`window.__sameDocument = "yes"`),
		chromedp.Click(tid("send-test-button")),
	)
	notice := `document.querySelector('#request-error [data-testid=error-notice]')`
	waitFor(t, ctx, "the error notice appears", notice+` !== null`)
	got := run(t, ctx, "read the notice", chromedp.Evaluate[[]string](`[window.__sameDocument, `+notice+`.textContent,
		String(document.querySelectorAll('[data-testid=send-test-form]').length)]`))
	if got[0] != "yes" || got[1] != msgNotFound || got[2] != "1" {
		t.Errorf("after a failed htmx request: same document %q, notice %q, test forms %s", got[0], got[1], got[2])
	}
}
