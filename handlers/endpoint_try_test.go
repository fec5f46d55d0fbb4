package handlers

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

const tryPath = "/profile/integrations/webhook/endpoints/try"

// trialReceiver is a receiver on 127.0.0.1 that records every request and
// counts every connection made to it, so a test can tell "refused before
// dialing" from "dialed and failed".
type trialReceiver struct {
	srv   *httptest.Server
	dials atomic.Int32

	mu       sync.Mutex
	requests []trialRequest
	status   int
	answer   string
}

type trialRequest struct {
	header http.Header
	body   []byte
}

func newTrialReceiver(t *testing.T, status int, answer string) *trialReceiver {
	r := &trialReceiver{status: status, answer: answer}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests = append(r.requests, trialRequest{header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(r.status)
		io.WriteString(w, r.answer)
	}))
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.dials.Add(1)
		}
	}
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *trialReceiver) got() []trialRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// trialForm is the endpoint form as typed, with "Send a test to this URL"
// pressed for eventType.
func trialForm(hookURL, eventType string) url.Values {
	form := validEndpoint()
	form.Set("url", hookURL)
	form.Set("action", "try")
	form.Set(views.TryEventField, eventType)
	return form
}

// formShown reads back what the rendered endpoint form holds: every field a
// user types or ticks, in page order.
func formShown(doc *goquery.Selection) []string {
	form := doc.Find(`[data-testid="endpoint-form"]`)
	out := []string{
		"url=" + form.Find("#url").AttrOr("value", ""),
		"description=" + form.Find("#description").AttrOr("value", ""),
	}
	form.Find(`[data-header-rows] [data-testid="header-row"]`).Each(func(_ int, row *goquery.Selection) {
		out = append(out, "header="+row.Find("[name=header_name]").AttrOr("value", "")+": "+
			row.Find("[name=header_value]").AttrOr("value", "")+" (masked "+row.Find("[name=header_masked]").AttrOr("value", "")+")")
	})
	form.Find("input[name=events][checked]").Each(func(_ int, e *goquery.Selection) {
		out = append(out, "event="+e.AttrOr("value", ""))
	})
	_, enabled := form.Find(`[data-testid="enabled"]`).Attr("checked")
	out = append(out, "enabled="+boolText(enabled))
	out = append(out, "sample="+form.Find(`[data-testid="try-event-type"] option[selected]`).AttrOr("value", ""))
	return out
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestTryEndpointSendsOneSignedSample presses "Send a test to this URL" on
// the new-endpoint form and on an edit form, without JavaScript: the
// receiver gets exactly one sample, signed with a one-time secret (new) or
// the endpoint's own secret (edit), with the headers as typed (a masked
// value sent back unchanged is sent as saved); the page shows the outcome
// beside the button and the form exactly as typed; nothing is saved.
func TestTryEndpointSendsOneSignedSample(t *testing.T) {
	app := newTestAppWith(t, appOptions{allowedHosts: "external,loopback"})
	c := app.signUp("ada@example.com")
	uid := app.user("ada@example.com").ID
	saved := c.createEndpoint(validEndpoint())
	stored, err := app.store.Endpoint(t.Context(), uid, saved)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		// edit tries from the saved endpoint's form.
		edit bool
	}{
		{name: "new endpoint"},
		{name: "edit endpoint", edit: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newTrialReceiver(t, http.StatusAccepted, "queued\nline 2\n<script>alert(1)</script>\n")
			form := trialForm(rec.srv.URL+"/hooks/loadhook", "TEST_FINISH")
			form.Set("description", "Typed, not saved")
			if tc.edit {
				form.Set(views.TryEndpointField, itoa64(saved))
				// The edit page shows the saved Authorization masked and
				// posts the mask back with its marker.
				form["header_value"] = []string{"checkout", catalog.MaskValue("Bearer s3cr3t-value-123")}
				form["header_masked"] = []string{"", "Authorization"}
			}
			endpointsBefore := app.count("endpoints")

			res := c.post(tryPath, form).wantStatus(http.StatusOK)

			got := rec.got()
			if len(got) != 1 {
				t.Fatalf("the receiver got %d requests, want exactly 1", len(got))
			}
			secret := res.testid("try-secret-value").Text()
			if tc.edit {
				if secret != "" {
					t.Errorf("an edit trial shows a one-time secret %q", secret)
				}
				secret = stored.Secret
			} else if !strings.HasPrefix(secret, catalog.SecretPrefix) {
				t.Fatalf("the new-endpoint trial shows no one-time secret: %q", res.testid("try-secret").Text())
			}
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(got[0].body, got[0].header); err != nil {
				t.Errorf("the sample does not verify with the %s secret: %v", tc.name, err)
			}
			if !strings.Contains(string(got[0].body), `"eventType":"TEST_FINISH"`) {
				t.Errorf("the sample is not a TEST_FINISH: %s", got[0].body)
			}
			if h := got[0].header; h.Get("X-Team") != "checkout" || h.Get("Authorization") != "Bearer s3cr3t-value-123" {
				t.Errorf("headers sent: X-Team %q, Authorization %q", h.Get("X-Team"), h.Get("Authorization"))
			}
			if id := res.testid("try-message-id").Text(); id != got[0].header.Get("webhook-id") {
				t.Errorf("the page shows webhook-id %q, the receiver got %q", id, got[0].header.Get("webhook-id"))
			}

			// The outcome, beside the button: the plain words, the status,
			// the time split and the answer's first lines, escaped.
			if got := res.testid("try-explanation").Text(); !strings.Contains(got, "delivered: the receiver answered 202 Accepted") {
				t.Errorf("explanation %q", got)
			}
			if got := res.testid("try-status").Text(); strings.TrimSpace(got) != "202 Accepted" {
				t.Errorf("status %q", got)
			}
			if timing := res.testid("try-timing").Text(); !strings.Contains(timing, "connect") || !strings.Contains(timing, "first byte") {
				t.Errorf("timing %q", timing)
			}
			if body := res.testid("try-body").Text(); !strings.HasPrefix(body, "queued\nline 2") {
				t.Errorf("answer shown %q", body)
			}
			if strings.Contains(res.body, "<script>alert(1)</script>") {
				t.Error("the answer is shown unescaped")
			}

			// The form as typed, the trial's sample chosen again.
			want := []string{
				"url=" + form.Get("url"), "description=Typed, not saved",
				"header=X-Team: checkout (masked )",
			}
			if tc.edit {
				want = append(want, "header=Authorization: "+catalog.MaskValue("Bearer s3cr3t-value-123")+" (masked Authorization)")
			} else {
				want = append(want, "header=Authorization: Bearer s3cr3t-value-123 (masked )")
			}
			want = append(want, "event=TEST_STARTED", "event=TEST_FAILED", "event=PROJECT_CREATED", "enabled=true", "sample=TEST_FINISH")
			if shown := formShown(res.doc().Selection); !slices.Equal(shown, want) {
				t.Errorf("after the trial the form shows\n%q\nwant\n%q", shown, want)
			}
			if action := res.testid("endpoint-form").AttrOr("action", ""); tc.edit && action != endpointPath(saved, "edit") || !tc.edit && action != "/profile/integrations/webhook/endpoints/new" {
				t.Errorf("the form saves to %q", action)
			}

			// Nothing saved: no endpoint, event or message, and the edited
			// endpoint as it was.
			if n := app.count("endpoints"); n != endpointsBefore {
				t.Errorf("%d endpoints after the trial, %d before", n, endpointsBefore)
			}
			if n, m := app.count("events"), app.count("messages"); n != 0 || m != 0 {
				t.Errorf("%d events and %d messages stored by a trial", n, m)
			}
			after, err := app.store.Endpoint(t.Context(), uid, saved)
			if err != nil {
				t.Fatal(err)
			}
			if after.URL != stored.URL || after.Description != stored.Description || !slices.Equal(after.Headers, stored.Headers) ||
				after.Secret != stored.Secret || after.Events != stored.Events {
				t.Errorf("the saved endpoint changed: %+v, was %+v", after, stored)
			}
		})
	}
}

// TestTryEndpointBlockedURLIsNotDialed: a URL the host policy refuses shows
// the refusal in the result, and no connection reaches it, with and
// without JavaScript.
func TestTryEndpointBlockedURLIsNotDialed(t *testing.T) {
	app := newTestApp(t) // "external": 127.0.0.1 is refused
	c := app.signUp("ada@example.com")
	rec := newTrialReceiver(t, http.StatusOK, "")
	for _, htmx := range []bool{false, true} {
		if htmx {
			c.headers.Set("HX-Request", "true")
		} else {
			c.headers.Del("HX-Request")
		}
		res := c.post(tryPath, trialForm(rec.srv.URL+"/hooks", "TEST_STARTED")).wantStatus(http.StatusOK)
		explained := res.testid("try-explanation").Text()
		if !strings.Contains(explained, "points to a private network address; use a public URL") {
			t.Errorf("htmx %v: the refusal says %q", htmx, explained)
		}
		if got := strings.TrimSpace(res.testid("try-status").Text()); got != "No HTTP answer" {
			t.Errorf("htmx %v: status %q", htmx, got)
		}
	}
	if n := rec.dials.Load(); n != 0 {
		t.Fatalf("%d connections reached a blocked address", n)
	}
}

// TestTryEndpointAnswersHTMXWithTheResultOnly: with JavaScript the answer
// is the result slot alone, put in place even for an error status; when the
// typed URL or headers are wrong it is the whole form, with the messages on
// the fields and the values as typed.
func TestTryEndpointAnswersHTMXWithTheResultOnly(t *testing.T) {
	app := newTestAppWith(t, appOptions{allowedHosts: "loopback"})
	c := app.signUp("ada@example.com")
	c.headers.Set("HX-Request", "true")
	rec := newTrialReceiver(t, http.StatusInternalServerError, "boom")

	res := c.post(tryPath, trialForm(rec.srv.URL, "PROJECT_CREATED")).wantStatus(http.StatusOK)
	if res.find("form").Length() != 0 || res.testid("try-result").Length() != 1 {
		t.Fatalf("htmx got more than the result slot:\n%s", truncate(res.body, 2000))
	}
	if got := res.testid("try-explanation").Text(); !strings.Contains(got, "the receiver answered 500 Internal Server Error") {
		t.Errorf("explanation %q", got)
	}
	if got := res.header.Get("HX-Retarget"); got != "#"+views.TryResultID {
		t.Errorf("HX-Retarget %q", got)
	}
	if n := len(rec.got()); n != 1 {
		t.Errorf("a failing receiver got %d requests: a trial is never retried", n)
	}

	bad := trialForm("ftp://example.com/hooks", "PROJECT_CREATED")
	bad["header_name"] = []string{"X-Team", "Content-Type"}
	res = c.post(tryPath, bad).wantStatus(http.StatusUnprocessableEntity)
	if res.header.Get("HX-Retarget") != "closest form" || res.header.Get("HX-Reselect") != trialFormSelector || res.header.Get("HX-Reswap") != "outerHTML" {
		t.Errorf("htmx headers for the form: %v", res.header)
	}
	form := res.find(trialFormSelector)
	if form.Length() != 1 {
		t.Fatalf("HX-Reselect %q finds %d forms in the answer", trialFormSelector, form.Length())
	}
	if msg := form.Find(`[data-testid="url-error"]`).Text(); !strings.Contains(msg, "http:// or https://") {
		t.Errorf("URL error %q", msg)
	}
	if msg := form.Find(`#header-name-1-error`).Text(); !strings.Contains(msg, "Content-Type is set by loadhook") {
		t.Errorf("header error %q", msg)
	}
	if msg := form.Find(`[data-testid="try-not-sent"]`).Text(); !strings.HasPrefix(msg, "Not sent:") {
		t.Errorf("result %q", msg)
	}
	if got := form.Find("#url").AttrOr("value", ""); got != "ftp://example.com/hooks" {
		t.Errorf("the URL field shows %q", got)
	}
	if n := len(rec.got()); n != 1 {
		t.Errorf("an invalid form was sent: the receiver got %d requests", n)
	}
}

// TestTryEndpointRateLimit: trials count against Send test event's limit,
// on the same counter, and over it the form comes back as typed with the
// usual words and a Retry-After.
func TestTryEndpointRateLimit(t *testing.T) {
	app, c, _, ep := adaWithEndpoint(t)
	// A refused address answers at once, and costs a trial like any other.
	form := trialForm("http://127.0.0.1:9/hooks", "TEST_STARTED")
	for range testSendLimit.Max - 1 {
		c.post(tryPath, form).wantStatus(http.StatusOK)
	}
	c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantRedirect(endpointPath(ep, ""))

	for _, htmx := range []bool{false, true} {
		if htmx {
			c.headers.Set("HX-Request", "true")
		} else {
			c.headers.Del("HX-Request")
		}
		res := c.post(tryPath, form).wantStatus(http.StatusTooManyRequests)
		if res.header.Get("Retry-After") == "" {
			t.Errorf("htmx %v: 429 without Retry-After", htmx)
		}
		if got := res.testid("try-not-sent").Text(); got != "Not sent: "+tooManyTests {
			t.Errorf("htmx %v: the refusal says %q, want the usual %q", htmx, got, tooManyTests)
		}
		if htmx && res.header.Get("HX-Retarget") != "#"+views.TryResultID {
			t.Errorf("the 429 would land in #request-error: HX-Retarget %q", res.header.Get("HX-Retarget"))
		}
		if !htmx && res.find("#url").AttrOr("value", "") != form.Get("url") {
			t.Error("the form lost the typed URL over the limit")
		}
	}
	c.headers.Del("HX-Request")
	c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusTooManyRequests)
	if n := app.count("messages"); n != 1 {
		t.Errorf("%d messages, want the one Send test event", n)
	}
}

// TestTryEndpointOfAnotherUserIsNotFound: the hidden endpoint field names
// an endpoint the signed-in user owns, or the trial is a 404.
func TestTryEndpointOfAnotherUserIsNotFound(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	other := app.seedEndpoint(app.user("ada@example.com").ID, "https://93.184.215.14/a")
	bob := app.signUp("bob@example.com")
	form := trialForm("https://93.184.215.14/b", "TEST_STARTED")
	for _, id := range []string{itoa64(other), "x"} {
		form.Set(views.TryEndpointField, id)
		bob.post(tryPath, form).wantStatus(http.StatusNotFound)
	}
}

// Without JavaScript the address bar shows the trial's address after a
// trial; opening it leads back to the form, not to "method not allowed".
func TestTryEndpointAddressOpenedLeadsToTheForm(t *testing.T) {
	app, ada, _, ep := adaWithEndpoint(t)
	ada.get(tryPath).wantRedirect(paths.NewEndpoint)
	edited := views.TryProps{EndpointID: ep}.Address()
	ada.get(edited).wantRedirect(paths.WithID(paths.EndpointEdit, ep))
	// Another user's endpoint is not found, not a way to learn its id.
	app.signUp("bob@example.com").get(edited).wantStatus(http.StatusNotFound)
}
