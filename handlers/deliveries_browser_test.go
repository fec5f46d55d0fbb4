package handlers

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/models"
)

// browserSignUp makes an account through the sign-up form.
func browserSignUp(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "sign up",
		chromedp.Navigate(base+"/signup"),
		chromedp.WaitVisible(tid("signup-form")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(tid("signup-submit")),
		chromedp.WaitVisible(tid("empty-state")),
	)
}

// countDialogs counts the JavaScript dialogs the page opens, dismissing
// each, until the test ends.
func countDialogs(t *testing.T, ctx context.Context) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			n.Add(1)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return &n
}

// TestBrowserDeliveryLog sends a test event to a receiver that fails twice,
// watches the row go from retrying to succeeded without a reload, then
// redelivers it from the detail page and watches the fourth attempt appear.
func TestBrowserDeliveryLog(t *testing.T) {
	var calls atomic.Int32
	app, ctx, receiverURL := deliveringBrowserApp(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "not yet")
			return
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "thanks")
	})
	base := app.srv.URL

	// Record Content-Security-Policy violations on every page: the pages
	// must work without inline script or style.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
			if (navigator.clipboard) navigator.clipboard.writeText = text => { window.__copied = text; return Promise.resolve(); };`,
	}); err != nil {
		t.Fatal(err)
	}
	noViolations := func(where string) {
		t.Helper()
		if v := run(t, ctx, "read CSP violations", chromedp.Evaluate[[]string](`window.__csp`)); len(v) > 0 {
			t.Errorf("CSP violations on %s: %q", where, v)
		}
	}

	browserSignUp(t, ctx, base, "log@example.com")
	do(t, ctx, "add an endpoint",
		chromedp.Navigate(base+"/profile/integrations/webhook/endpoints/new"),
		chromedp.WaitVisible(tid("endpoint-form")),
		chromedp.SendKeys(chromedp.ID("url"), receiverURL+"/hook"),
		chromedp.Click(tid("event-TEST_STARTED")),
		chromedp.Click(tid("save-endpoint")),
		chromedp.WaitVisible(tid("send-test-form")),
	)
	if got := run(t, ctx, "read the empty list", chromedp.Text(tid("no-deliveries"))); !strings.Contains(got, "Nothing sent yet") {
		t.Errorf("empty list says %q", got)
	}

	// A marker on window survives only as long as the document does: if it
	// is still there at the end, the list changed without a reload.
	do(t, ctx, "send a test event",
		chromedp.Evaluate[chromedp.Void](`window.__sameDocument = "yes"`),
		chromedp.SetValue(chromedp.ID("test-event-type"), "TEST_FINISH"),
		chromedp.Click(tid("send-test-button")),
	)
	row := `document.querySelector('[data-testid=delivery-row]')`
	waitFor(t, ctx, "the row is retrying", row+`?.dataset.state === 'retrying'`)
	if got := run(t, ctx, "read attempts", chromedp.Evaluate[string](row+`.querySelector('[data-testid=delivery-attempts]').textContent`)); got != "Attempt 1 failed" && got != "Attempt 2 failed" {
		t.Errorf("attempts while retrying = %q", got)
	}
	waitFor(t, ctx, "the row succeeded", row+`?.dataset.state === 'succeeded'`)
	state := run(t, ctx, "read the row", chromedp.Evaluate[[]string](`[
		window.__sameDocument,
		`+row+`.querySelector('[data-testid=delivery-type]').textContent,
		`+row+`.querySelector('[data-testid=delivery-attempts]').textContent,
		`+row+`.querySelector('[data-testid=delivery-result]').textContent,
		String(document.querySelectorAll('[data-testid=delivery-row]').length),
		String(document.querySelector('[data-testid=delivery-list]').hasAttribute('hx-trigger')),
		document.querySelector('[data-testid=test-event-status]').textContent.trim().replace(/\s+/g, ' '),
	]`))
	want := []string{"yes", "TEST_FINISH", "Delivered on attempt 3", "200", "1", "false", "Sent a TEST_FINISH test event as " + run(t, ctx, "read the id", chromedp.Evaluate[string](row+`.dataset.messageId`)) + "."}
	if strings.Join(state, "|") != strings.Join(want, "|") {
		t.Errorf("after delivery the page shows\n%q\nwant\n%q", state, want)
	}

	noViolations("the endpoint page")

	do(t, ctx, "open the detail", chromedp.Click(tid("delivery-link")), chromedp.WaitVisible(tid("delivery-detail")))
	if n := run(t, ctx, "count attempts", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=attempt]').length`)); n != 3 {
		t.Fatalf("attempts on the detail page = %d, want 3", n)
	}
	// Copy puts the exact bytes that were sent on the clipboard, not the
	// indented text on the page.
	do(t, ctx, "copy the payload", chromedp.Click(tid("copy-payload")))
	waitFor(t, ctx, "the payload is copied", `typeof window.__copied === 'string'`)
	copied := run(t, ctx, "read the copy", chromedp.Evaluate[string](`window.__copied`))
	msgID := run(t, ctx, "read the message id", chromedp.Text(tid("message-id")))
	d, err := app.store.DeliveryDetail(context.Background(), app.user("log@example.com").ID, msgID)
	if err != nil {
		t.Fatal(err)
	}
	if copied != string(d.Event.Payload) {
		t.Errorf("copied %q\nwant   %q", copied, d.Event.Payload)
	}

	do(t, ctx, "redeliver", chromedp.Click(tid("redeliver")), chromedp.WaitVisible(tid("flash")))
	if got := run(t, ctx, "read the flash", chromedp.Text(tid("flash"))); !strings.Contains(got, "Redelivery queued: attempt 4") {
		t.Errorf("flash = %q", got)
	}
	waitFor(t, ctx, "the fourth attempt appears",
		`document.querySelectorAll('[data-testid=attempt]').length === 4 &&
		 document.querySelector('[data-testid=attempt]').dataset.number === '4' &&
		 document.querySelector('[data-testid=delivery-status]').dataset.state === 'succeeded'`)
	noViolations("the delivery page")
	eps, err := app.store.Endpoints(context.Background(), app.user("log@example.com").ID)
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints = %v, %v", eps, err)
	}
	do(t, ctx, "open the whole log, filtered", chromedp.Navigate(base+endpointPath(eps[0].ID, "deliveries")+"?state=succeeded&range=1h"), chromedp.WaitVisible(tid("filter-form")))
	if n := run(t, ctx, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=delivery-row]').length`)); n != 1 {
		t.Errorf("filtered log rows = %d", n)
	}
	noViolations("the deliveries page")
	if n := calls.Load(); n != 4 {
		t.Errorf("the receiver got %d requests, want 4", n)
	}
}

// TestBrowserHostileAnswerIsText opens the detail of an attempt whose
// receiver answered with markup in its body and a header: it must show as
// text, and no script may run.
func TestBrowserHostileAnswerIsText(t *testing.T) {
	app, ctx, receiverURL := deliveringBrowserApp(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Evil", xssHeader)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, xssBody)
	})
	base := app.srv.URL
	_, _, sentID := browserTestEvent(t, ctx, app, "xss@example.com", receiverURL+"/hook")
	// The first attempt is enough; the detail page shows it while retrying.
	deadline := time.Now().Add(10 * time.Second)
	for app.count("attempts") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no attempt recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Count alert() calls from the first line of every document on, and
	// every dialog the browser opens.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__alerts = 0; const realAlert = window.alert; window.alert = function () { window.__alerts++; return realAlert.apply(window, arguments); };`,
	}); err != nil {
		t.Fatal(err)
	}
	dialogs := countDialogs(t, ctx)

	do(t, ctx, "open the detail",
		chromedp.Navigate(base+"/profile/integrations/webhook/deliveries/"+sentID),
		chromedp.WaitVisible(tid("response-body")),
		// Give an injected image time to fail to load and fire onerror.
		chromedp.Sleep(500*time.Millisecond),
	)
	got := run(t, ctx, "read the page", chromedp.Evaluate[[]string](`[
		String(window.__alerts),
		document.querySelector('[data-testid=response-body]').textContent,
		document.querySelector('[data-testid=response-headers]').textContent.includes('X-Evil') ? 'header row' : 'no header row',
		document.querySelector('[data-testid=response-headers]').textContent.includes(`+jsString(xssHeader)+`) ? 'header as text' : 'header missing',
		String(document.querySelectorAll('img[src="x"], img[onerror], main script').length),
		document.querySelector('[data-testid=explanation]').textContent,
	]`))
	want := []string{"0", xssBody, "header row", "header as text", "0", "the receiver answered 400 Bad Request"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the page shows\n%q\nwant\n%q", got, want)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened", n)
	}
	var msg models.Message
	app.db.Where("id = ?", sentID).Take(&msg)
	if msg.LastStatus != http.StatusBadRequest {
		t.Errorf("last status = %d", msg.LastStatus)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
