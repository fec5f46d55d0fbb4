package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

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
	defer setScripts(t, ctx, true)
	do(t, ctx, "reveal without scripts", chromedp.Navigate(overview), chromedp.WaitReady(tid("reveal-secret")),
		chromedp.Click(tid("reveal-secret")), chromedp.WaitReady(tid("secret-page")))
	if got := strings.Join(run(t, ctx, "read the secret page's snippets", snippets), "|"); got != want {
		t.Errorf("on the secret page: %s", got)
	}
}
