package handlers

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHTMXErrorNotice: an htmx request that fails shows the
// server's message next to what was clicked, in the same document, instead
// of doing nothing; a request that gets no answer at all says so too.
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
	notice := `document.querySelector('[data-testid=send-test-form] [data-testid=inline-error]')`
	waitFor(t, ctx, "the error appears beside the button", notice+` !== null`)
	got := run(t, ctx, "read the notice", chromedp.Evaluate[[]string](`[window.__sameDocument, `+notice+`.textContent, `+notice+`.getAttribute('role'),
		String(document.querySelectorAll('[data-testid=send-test-form]').length)]`))
	if got[0] != "yes" || got[1] != msgNotFound || got[2] != "alert" || got[3] != "1" {
		t.Errorf("after a failed htmx request: same document %q, notice %q (role %q), test forms %s", got[0], got[1], got[2], got[3])
	}

	// No answer at all: the server is gone.
	app.srv.Close()
	do(t, ctx, "send again, with the server gone", chromedp.Click(tid("send-test-button")))
	waitFor(t, ctx, "the error says the server was not reached", notice+`?.textContent.startsWith('Could not reach loadhook')`)
	if n := run(t, ctx, "count the errors", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=inline-error]').length`)); n != 1 {
		t.Errorf("%d inline errors, want the one replaced", n)
	}
}
