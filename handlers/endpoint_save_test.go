package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

func TestCreateEndpointSavesEverything(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	form := validEndpoint()
	form["header_name"] = append(form["header_name"], "")
	form["header_value"] = append(form["header_value"], "") // an empty row is ignored
	id := c.createEndpoint(form)

	ep, err := app.store.Endpoint(context.Background(), app.user("ada@example.com").ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if ep.URL != "https://93.184.215.14/hooks/loadhook" || ep.Description != "Checkout team relay" || !ep.Enabled {
		t.Errorf("saved %q %q enabled=%v", ep.URL, ep.Description, ep.Enabled)
	}
	if ep.Events != "TEST_STARTED,TEST_FAILED,PROJECT_CREATED" {
		t.Errorf("events = %q", ep.Events)
	}
	want := []catalog.Header{{Name: "X-Team", Value: "checkout"}, {Name: "Authorization", Value: "Bearer s3cr3t-value-123"}}
	if !slices.Equal(ep.Headers, want) {
		t.Errorf("headers = %v, want %v", ep.Headers, want)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < 40 {
		t.Errorf("secret = %q, want a whsec_ secret", ep.Secret)
	}

	page := c.get(endpointPath(id, "")).wantStatus(http.StatusOK)
	if !strings.Contains(page.testid("flash").Text(), "Endpoint added") {
		t.Errorf("flash = %q", page.testid("flash").Text())
	}
	if page.find("#endpoint-deliveries").Length() != 1 || page.testid("endpoint-overview").Length() != 1 {
		t.Error("a new endpoint does not land on its overview")
	}
}

// TestEndpointValidation checks every rule: 422, the message beside the
// field, the input kept, and nothing saved.
func TestEndpointValidation(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")

	headers := func(pairs ...string) func(url.Values) {
		return func(v url.Values) {
			v.Del("header_name")
			v.Del("header_value")
			v.Del("header_masked")
			for i := 0; i < len(pairs); i += 2 {
				v.Add("header_name", pairs[i])
				v.Add("header_value", pairs[i+1])
				v.Add("header_masked", "")
			}
		}
	}
	set := func(key string, values ...string) func(url.Values) {
		return func(v url.Values) { v[key] = values }
	}
	many := func(n int) func(url.Values) {
		var pairs []string
		for i := range n {
			pairs = append(pairs, "X-H"+strconv.Itoa(i), "v")
		}
		return headers(pairs...)
	}

	tests := []struct {
		name    string
		change  func(url.Values)
		errorID string // data-testid of the message
		message string
	}{
		{"url required", set("url", ""), "url-error", "Enter the URL"},
		{"url scheme", set("url", "ftp://93.184.215.14/x"), "url-error", "http:// or https://"},
		{"url javascript", set("url", "javascript:alert(1)"), "url-error", "http:// or https://"},
		{"url without host", set("url", "https:///path"), "url-error", "needs a host"},
		{"url too long", set("url", "https://93.184.215.14/"+strings.Repeat("a", 2030)), "url-error", "too long"},
		{"url credentials", set("url", "https://user:pw@93.184.215.14/x"), "url-error", "user name or password"},
		{"url with space", set("url", "https://93.184.215.14/a b"), "url-error", "spaces"},
		{"url loopback blocked", set("url", "http://127.0.0.1:8080/hook"), "url-error", "This URL points to a private network address; use a public URL."},
		{"url private blocked", set("url", "http://10.1.2.3/hook"), "url-error", "This URL points to a private network address; use a public URL."},
		{"description too long", set("description", strings.Repeat("é", 501)), "description-error", "at most 500"},
		{"header name not a token", headers("X Team", "v"), "header-name-0-error", "Use only letters"},
		{"header name with colon", headers("X-Team:", "v"), "header-name-0-error", "Use only letters"},
		{"header value CRLF", headers("X-Team", "a\r\nX-Evil: 1"), "header-value-0-error", "line breaks"},
		{"header value NUL", headers("X-Team", "a\x00b"), "header-value-0-error", "NUL"},
		{"header value control", headers("X-Team", "a\x07b"), "header-value-0-error", "control characters"},
		{"header value too long", headers("X-Team", strings.Repeat("v", 1025)), "header-value-0-error", "at most 1024"},
		{"header value empty", headers("X-Team", ""), "header-value-0-error", "Enter a value"},
		{"header value without name", headers("", "orphan"), "header-name-0-error", "Enter a header name"},
		{"too many headers", many(21), "headers-error", "at most 20"},
		{"header Host", headers("Host", "evil.example"), "header-name-0-error", "can't be changed"},
		{"header Content-Length", headers("content-length", "1"), "header-name-0-error", "can't be changed"},
		{"header Content-Type", headers("Content-Type", "text/plain"), "header-name-0-error", "can't be changed"},
		{"header Transfer-Encoding", headers("Transfer-Encoding", "chunked"), "header-name-0-error", "can't be changed"},
		{"header Connection", headers("Connection", "close"), "header-name-0-error", "can't be changed"},
		{"header Upgrade", headers("Upgrade", "h2c"), "header-name-0-error", "can't be changed"},
		{"header TE", headers("TE", "trailers"), "header-name-0-error", "can't be changed"},
		{"header Trailer", headers("Trailer", "X"), "header-name-0-error", "can't be changed"},
		{"header Proxy-Authorization", headers("Proxy-Authorization", "Basic x"), "header-name-0-error", "Proxy-*"},
		{"header User-Agent", headers("User-Agent", "curl/8.0"), "header-name-0-error", "set by loadhook"},
		{"header X-Forwarded-For", headers("X-Forwarded-For", "10.0.0.1"), "header-name-0-error", "who the client is"},
		{"header X-Real-IP", headers("X-Real-IP", "127.0.0.1"), "header-name-0-error", "who the client is"},
		{"header Forwarded", headers("Forwarded", "for=127.0.0.1"), "header-name-0-error", "who the client is"},
		{"header webhook-signature", headers("Webhook-Signature", "v1,x"), "header-name-0-error", "webhook-*"},
		{"header webhook-id", headers("webhook-id", "msg_1"), "header-name-0-error", "webhook-*"},
		{"header duplicate", headers("X-Team", "a", "x-team", "b"), "header-name-1-error", "already set"},
		{"header half-edited mask", headers("X-Api-Key", "abcd••••••••"), "header-value-0-error", "whole new value"},
		{"no events", set("events"), "events-error", "at least one event"},
		{"unknown event", set("events", "TEST_STARTED", "TEST_EXPLODED"), "events-error", "Unknown event type \"TEST_EXPLODED\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := validEndpoint()
			tc.change(form)
			res := c.post("/profile/integrations/webhook/endpoints/new", form)
			res.wantStatus(http.StatusUnprocessableEntity)
			msg := res.testid(tc.errorID)
			if msg.Length() != 1 || !strings.Contains(msg.Text(), tc.message) {
				t.Fatalf("%s = %q (found %d), want it to contain %q", tc.errorID, msg.Text(), msg.Length(), tc.message)
			}
			// The field is marked for assistive technology.
			if input := strings.TrimSuffix(tc.errorID, "-error"); input != "headers" {
				marked := res.find(`[aria-describedby="` + tc.errorID + `"]`)
				if inv, _ := marked.Attr("aria-invalid"); marked.Length() == 0 || inv != "true" {
					t.Errorf("no aria-invalid element described by %s", tc.errorID)
				}
			}
			assertFormKept(t, res, form)
			if n := app.count("endpoints"); n != 0 {
				t.Fatalf("endpoints = %d, want 0: nothing may be saved", n)
			}
		})
	}
}

// TestEndpointUnicodeHostsAreNormalised: hosts are judged and stored as DNS
// sees them, so a full-width or ideographic spelling of a blocked host is
// refused like the host itself.
func TestEndpointUnicodeHostsAreNormalised(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	for _, u := range []string{"http://127。0。0。1/hook", "http://１２７.０.０.１/hook", "http://ｌｏｃａｌｈｏｓｔ/hook"} {
		form := validEndpoint()
		form.Set("url", u)
		res := c.post("/profile/integrations/webhook/endpoints/new", form).wantStatus(http.StatusUnprocessableEntity)
		// Refused by the host policy, not as a host that does not resolve.
		if msg := res.testid("url-error").Text(); msg != "This URL points to a private network address; use a public URL." {
			t.Errorf("%s: url error = %q, want it refused by the host policy", u, msg)
		}
	}
	if n := app.count("endpoints"); n != 0 {
		t.Fatalf("endpoints = %d, want 0", n)
	}

	// Where loopback is allowed, the normalised URL is what is stored.
	app = newTestAppWith(t, appOptions{allowedHosts: "loopback"})
	c = app.signUp("ada@example.com")
	form := validEndpoint()
	form.Set("url", "http://１２７.０.０.１:8080/Hook?x=Ｙ")
	id := c.createEndpoint(form)
	ep, err := app.store.Endpoint(context.Background(), app.user("ada@example.com").ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if ep.URL != "http://127.0.0.1:8080/Hook?x=Ｙ" {
		t.Errorf("stored URL = %q, want the host normalised and the rest as typed", ep.URL)
	}
}

// assertFormKept checks that the re-rendered form shows what was posted.
func assertFormKept(t *testing.T, res *response, form url.Values) {
	t.Helper()
	if got, _ := res.find("#url").Attr("value"); got != strings.TrimSpace(form.Get("url")) {
		t.Errorf("url kept as %q, want %q", truncate(got, 60), truncate(form.Get("url"), 60))
	}
	if got, _ := res.find("#description").Attr("value"); got != form.Get("description") {
		t.Errorf("description kept as %q", truncate(got, 60))
	}
	var names, values []string
	headerRows(res).Each(func(_ int, row *goquery.Selection) {
		n, _ := row.Find(`input[name="header_name"]`).Attr("value")
		v, _ := row.Find(`input[name="header_value"]`).Attr("value")
		names, values = append(names, n), append(values, v)
	})
	for i, want := range form["header_name"] {
		if i >= len(names) || names[i] != strings.TrimSpace(want) {
			t.Errorf("header row %d name = %v, want %q", i, names, want)
			break
		}
		// HTML itself turns CR LF into LF and NUL into U+FFFD.
		if want := htmlText(strings.Trim(form["header_value"][i], " \t")); values[i] != want {
			t.Errorf("header row %d value = %q, want %q", i, truncate(values[i], 40), truncate(form["header_value"][i], 40))
		}
	}
	var checked []string
	res.find(`input[name="events"]:checked`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		checked = append(checked, v)
	})
	for _, ev := range form["events"] {
		if res.find(`input[name="events"][value="`+ev+`"]`).Length() > 0 && !slices.Contains(checked, ev) {
			t.Errorf("event %s not kept checked (checked: %v)", ev, checked)
		}
	}
	enabled := res.find(`input[name="enabled"]`)
	if _, on := enabled.Attr("checked"); on != (form.Get("enabled") != "") {
		t.Errorf("enabled checkbox checked=%v, want %v", on, form.Get("enabled") != "")
	}
}

// headerRows returns the header rows of the form, not the template's.
func headerRows(res *response) *goquery.Selection {
	return res.find(`[data-header-rows] [data-testid="header-row"]`)
}

func htmlText(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\uFFFD").Replace(s)
}

func TestHeaderButtonsWorkWithoutJavaScript(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	form := validEndpoint()
	form.Set("action", "add-header")
	res := c.post("/profile/integrations/webhook/endpoints/new", form).wantStatus(http.StatusOK)
	if n := headerRows(res).Length(); n != 3 {
		t.Fatalf("rows after Add header = %d, want 3", n)
	}
	assertFormKept(t, res, validEndpoint())
	if res.find(".field-error").Length() != 0 {
		t.Errorf("Add header showed errors: %q", res.find(".field-error").Text())
	}

	form.Set("action", "remove-header-0")
	res = c.post("/profile/integrations/webhook/endpoints/new", form).wantStatus(http.StatusOK)
	rows := headerRows(res)
	if rows.Length() != 1 {
		t.Fatalf("rows after Remove = %d, want 1", rows.Length())
	}
	if name, _ := rows.Find(`input[name="header_name"]`).Attr("value"); name != "Authorization" {
		t.Errorf("remaining row = %q, want Authorization", name)
	}
	if btn, _ := rows.Find(`button[name="action"]`).Attr("value"); btn != "remove-header-0" {
		t.Errorf("remove button value = %q, want renumbered remove-header-0", btn)
	}
	if n := app.count("endpoints"); n != 0 {
		t.Fatalf("endpoints = %d: header buttons must not save", n)
	}
}

func TestMaskedHeaderValueIsKeptWhenUnchanged(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)

	page := c.get(endpointPath(id, "edit")).wantStatus(http.StatusOK)
	if strings.Contains(page.body, "s3cr3t-value-123") {
		t.Fatal("the edit page contains the plain Authorization value")
	}
	rows := headerRows(page)
	auth := rows.Eq(1)
	masked, _ := auth.Find(`input[name="header_value"]`).Attr("value")
	marker, _ := auth.Find(`input[name="header_masked"]`).Attr("value")
	if masked != "Bear••••••••" || marker != "Authorization" {
		t.Fatalf("masked row: value %q marker %q", masked, marker)
	}
	if plain, _ := rows.Eq(0).Find(`input[name="header_value"]`).Attr("value"); plain != "checkout" {
		t.Errorf("non-sensitive X-Team shown as %q, want it plain", plain)
	}

	// Sent back unchanged, with the marker: the saved value stays.
	form := withSecretHeader("Authorization", masked, marker)
	form.Set("description", "changed")
	c.post(endpointPath(id, "edit"), form).wantRedirect(endpointPath(id, ""))
	ep, _ := app.store.Endpoint(context.Background(), userID, id)
	if ep.Headers[1].Value != "Bearer s3cr3t-value-123" || ep.Description != "changed" {
		t.Fatalf("after unchanged save: headers %v, description %q", ep.Headers, ep.Description)
	}

	// A validation error elsewhere re-renders the mask and the marker, never the value.
	form.Set("url", "")
	res := c.post(endpointPath(id, "edit"), form).wantStatus(http.StatusUnprocessableEntity)
	if strings.Contains(res.body, "s3cr3t-value-123") {
		t.Fatal("the re-rendered form contains the plain value")
	}
	if m, _ := headerRows(res).Eq(1).Find(`input[name="header_masked"]`).Attr("value"); m != "Authorization" {
		t.Errorf("marker lost on re-render: %q", m)
	}

	// The mask text alone, without the marker, is not taken as "unchanged".
	form = withSecretHeader("Authorization", masked, "")
	c.post(endpointPath(id, "edit"), form).wantStatus(http.StatusUnprocessableEntity)

	// A new value replaces the saved one.
	form = withSecretHeader("Authorization", "Bearer rotated-value-456", marker)
	c.post(endpointPath(id, "edit"), form).wantRedirect(endpointPath(id, ""))
	ep, _ = app.store.Endpoint(context.Background(), userID, id)
	if ep.Headers[1].Value != "Bearer rotated-value-456" {
		t.Fatalf("new value not saved: %v", ep.Headers)
	}
}

// TestRenamedSecretHeaderNeedsItsValue: the hidden marker is the client's
// claim; a masked value sent back under another name keeps nothing, so the
// secret can never be stored under a name that shows or logs it in clear.
func TestRenamedSecretHeaderNeedsItsValue(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)

	for _, name := range []string{"X-Foo", "X-Api-Key"} {
		res := c.post(endpointPath(id, "edit"), withSecretHeader(name, "Bear••••••••", "Authorization")).wantStatus(http.StatusUnprocessableEntity)
		if msg := res.testid("header-value-1-error").Text(); !strings.Contains(msg, "Type the value again") {
			t.Errorf("%s: value error = %q", name, msg)
		}
		if strings.Contains(res.body, "s3cr3t-value-123") {
			t.Fatalf("%s: the re-rendered form contains the plain value", name)
		}
		if m, _ := headerRows(res).Eq(1).Find(`input[name="header_masked"]`).Attr("value"); m != "" {
			t.Errorf("%s: re-rendered with marker %q for a header that masks nothing", name, m)
		}
	}
	ep, _ := app.store.Endpoint(context.Background(), userID, id)
	want := []catalog.Header{{Name: "X-Team", Value: "checkout"}, {Name: "Authorization", Value: "Bearer s3cr3t-value-123"}}
	if !slices.Equal(ep.Headers, want) {
		t.Fatalf("headers = %v, want them unchanged", ep.Headers)
	}
	page := c.get(endpointPath(id, "edit")).wantStatus(http.StatusOK)
	if strings.Contains(page.body, "s3cr3t-value-123") {
		t.Fatal("the edit page shows the plain value")
	}

	// Renaming with the value typed again is a plain edit.
	c.post(endpointPath(id, "edit"), withSecretHeader("X-Foo", "typed-again", "Authorization")).wantRedirect(endpointPath(id, ""))
	ep, _ = app.store.Endpoint(context.Background(), userID, id)
	if !slices.Equal(ep.Headers, []catalog.Header{{Name: "X-Team", Value: "checkout"}, {Name: "X-Foo", Value: "typed-again"}}) {
		t.Errorf("after rename with a typed value: %v", ep.Headers)
	}
}

func TestUpdateEndpoint(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	before, _ := app.store.Endpoint(context.Background(), userID, id)

	form := validEndpoint()
	form.Set("url", "https://93.184.215.14/v2")
	form["events"] = []string{"PROJECT_DELETED", "TEST_FINISH"}
	form.Del("enabled")
	form["header_name"] = []string{"X-Team"}
	form["header_value"] = []string{"payments"}
	form["header_masked"] = []string{""}
	// Save lands on the overview, the confirmation at its top.
	c.post(endpointPath(id, "edit"), form).wantRedirect(endpointPath(id, ""))
	if page := c.get(endpointPath(id, "")); page.testid("flash").Last().Text() != "Changes saved." || page.testid("endpoint-overview").Length() != 1 {
		t.Errorf("after Save: flash %q on the overview? %v", page.testid("flash").Last().Text(), page.testid("endpoint-overview").Length() == 1)
	}

	ep, _ := app.store.Endpoint(context.Background(), userID, id)
	if ep.URL != "https://93.184.215.14/v2" || ep.Enabled || ep.Events != "TEST_FINISH,PROJECT_DELETED" {
		t.Errorf("after update: %q enabled=%v events=%q", ep.URL, ep.Enabled, ep.Events)
	}
	if !slices.Equal(ep.Headers, []catalog.Header{{Name: "X-Team", Value: "payments"}}) {
		t.Errorf("headers = %v", ep.Headers)
	}
	if ep.Secret != before.Secret {
		t.Error("saving the form changed the signing secret")
	}
}

func TestEndpointLimit(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	userID := app.user("ada@example.com").ID
	for i := range models.MaxEndpointsPerUser {
		ep := &models.Endpoint{UserID: userID, URL: "https://93.184.215.14/" + strconv.Itoa(i), Events: "TEST_STARTED", Enabled: true, Secret: "whsec_x"}
		if err := app.store.CreateEndpoint(context.Background(), ep); err != nil {
			t.Fatal(err)
		}
	}
	list := c.get("/profile/integrations/webhook").wantStatus(http.StatusOK)
	if list.testid("add-endpoint").Length() != 0 {
		t.Error("Add endpoint is shown at the limit")
	}
	if !strings.Contains(list.testid("endpoint-limit").Text(), "20 endpoints") {
		t.Errorf("limit note = %q", list.testid("endpoint-limit").Text())
	}
	res := c.post("/profile/integrations/webhook/endpoints/new", validEndpoint()).wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.testid("form-error").Text(), "20 endpoints") {
		t.Errorf("form error = %q", res.testid("form-error").Text())
	}
	if n := app.count("endpoints"); n != 20 {
		t.Errorf("endpoints = %d, want 20", n)
	}
}
