package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/loadhook/loadhook/webhook"
)

// TestChangePassword: the current password is checked, the new one follows
// the sign-up rules, and a change ends every other session of the user
// while the one that made it stays signed in.
func TestChangePassword(t *testing.T) {
	app := newTestApp(t)
	here := app.signUp("ada@example.com")
	elsewhere := app.client()
	elsewhere.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")
	const newPassword = "a much better passphrase"

	tests := []struct {
		name, current, next string
		status              int
		field, message      string
	}{
		{"no current password", "", newPassword, http.StatusUnprocessableEntity, "current-password-error", "Enter your current password."},
		{"new one too short", testPassword, "short", http.StatusUnprocessableEntity, "new-password-error", "Use at least 10 characters."},
		{"new one is the old one", testPassword, testPassword, http.StatusUnprocessableEntity, "new-password-error", "Choose a password other than the current one."},
		{"wrong current password", "not my password", newPassword, http.StatusUnprocessableEntity, "current-password-error", wrongPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := here.post("/profile/account/password", url.Values{"current_password": {tt.current}, "new_password": {tt.next}}).wantStatus(tt.status)
			if got := strings.TrimSpace(res.testid(tt.field).Text()); got != tt.message {
				t.Errorf("%s = %q, want %q", tt.field, got, tt.message)
			}
			if strings.Contains(res.body, tt.next) && tt.next != "" {
				t.Error("a password is sent back into the page")
			}
		})
	}

	here.post("/profile/account/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}}).wantRedirect("/profile/account")
	page := here.get("/profile/account").wantStatus(http.StatusOK)
	if got := page.testid("flash").Text(); got != "Password changed. Signed out everywhere else (1 other session)." {
		t.Errorf("flash = %q", got)
	}
	if res := elsewhere.get("/profile"); res.status != http.StatusSeeOther {
		t.Errorf("the other session still opens the profile: %d", res.status)
	}
	fresh := app.client()
	fresh.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}).wantStatus(http.StatusUnprocessableEntity)
	fresh.post("/login", url.Values{"email": {"ada@example.com"}, "password": {newPassword}}).wantRedirect("/profile/integrations/webhook")
}

// TestChangePasswordWithoutCSRF: the account forms are CSRF-protected like
// every other.
func TestChangePasswordWithoutCSRF(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	c.noCSRF = true
	c.post("/profile/account/password", url.Values{"current_password": {testPassword}, "new_password": {"a much better passphrase"}}).wantStatus(http.StatusForbidden)
	c.post("/profile/account/email", url.Values{"email": {"x@example.com"}, "password": {testPassword}}).wantStatus(http.StatusForbidden)
}

// TestChangeEmail: the new email is validated as at sign-up, confirmed with
// the password, refused when another account has it, and shown in the
// header once changed.
func TestChangeEmail(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	app.signUp("bob@example.com")
	tests := []struct {
		name, email, password string
		field, message        string
	}{
		{"not an email", "ada", testPassword, "new-email-error", "Enter an email address like name@example.com."},
		{"the same email", "ADA@example.com", testPassword, "new-email-error", "That is already your email address."},
		{"no password", "ada@lovelace.example", "", "email-password-error", "Enter your password to confirm."},
		{"wrong password", "ada@lovelace.example", "not my password", "email-password-error", wrongPassword},
		{"another account's", "bob@example.com", testPassword, "new-email-error", "Another account has this email address."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.post("/profile/account/email", url.Values{"email": {tt.email}, "password": {tt.password}}).wantStatus(http.StatusUnprocessableEntity)
			if got := strings.TrimSpace(res.testid(tt.field).Text()); got != tt.message {
				t.Errorf("%s = %q, want %q", tt.field, got, tt.message)
			}
			if v := res.find(`#new-email`).AttrOr("value", ""); v != strings.ToLower(tt.email) {
				t.Errorf("the form lost the email typed: %q", v)
			}
		})
	}
	c.post("/profile/account/email", url.Values{"email": {" Ada@Lovelace.example "}, "password": {testPassword}}).wantRedirect("/profile/account")
	page := c.get("/profile/account").wantStatus(http.StatusOK)
	if got := page.testid("nav-email").Text(); got != "ada@lovelace.example" {
		t.Errorf("header email = %q", got)
	}
	if got := page.testid("flash").Text(); got != "Email changed: you now log in as ada@lovelace.example." {
		t.Errorf("flash = %q", got)
	}
	app.client().post("/login", url.Values{"email": {"ada@lovelace.example"}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")
}

// TestAccountPasswordGuessesAreLimited: the confirming password counts
// against the login limit of the account, so a stolen session guesses no
// faster than the login form.
func TestAccountPasswordGuessesAreLimited(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	var last *response
	for range loginAccountLimit.Max + 1 {
		last = c.post("/profile/account/password", url.Values{"current_password": {"a wrong guess"}, "new_password": {"a much better passphrase"}})
	}
	last.wantStatus(http.StatusTooManyRequests)
	if got := last.testid("form-error").Text(); got != tooManyLogins {
		t.Errorf("form error = %q", got)
	}
}

// TestDocsPages: the event catalog lists the nine types with their
// metadata and a sample payload each, and the delivery-failures page has a
// section for every anchor the delivery log links to; neither needs an
// account.
func TestDocsPages(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	page := c.get("/docs/events").wantStatus(http.StatusOK)
	types := page.testid("catalog-type")
	if types.Length() != 9 {
		t.Fatalf("catalog types = %d, want 9", types.Length())
	}
	finish := page.find(`#TEST_FINISH`)
	var keys []string
	finish.Find(`[data-testid="catalog-metadata"] tbody th`).Each(func(_ int, s *goquery.Selection) { keys = append(keys, s.Text()) })
	if strings.Join(keys, ",") != "testRunId,status,duration,maxUser,totalRequestCount,avgResponseTime,throughput,apdexScore,runningTime,reportLink" {
		t.Errorf("TEST_FINISH keys = %v", keys)
	}
	sample := finish.Find(`[data-testid="catalog-sample"]`).Text()
	if !strings.Contains(sample, `"eventType": "TEST_FINISH"`) || !strings.Contains(sample, `"apdexScore": "0.85"`) {
		t.Errorf("TEST_FINISH sample = %s", sample)
	}
	if page.find(`#PROJECT_CREATED [data-testid="catalog-no-metadata"]`).Length() != 1 {
		t.Error("a project event shows metadata")
	}

	help := c.get("/docs/delivery-failures").wantStatus(http.StatusOK)
	sections := map[string]bool{}
	help.testid("failure-help").Each(func(_ int, s *goquery.Selection) { sections[s.AttrOr("id", "")] = true })
	for _, f := range webhookFailureSections() {
		if !sections[f] {
			t.Errorf("no section %q on the delivery-failures page", f)
		}
	}
	if !strings.Contains(help.testid("retry-schedule").Text(), "1 s, 2 s, then 4 s") {
		t.Errorf("schedule = %q", help.testid("retry-schedule").Text())
	}
}

// webhookFailureSections are the sections every advice of the delivery log
// can link to.
func webhookFailureSections() []string {
	var out []string
	for _, class := range []string{webhook.ClassTimeout, webhook.ClassRefused, webhook.ClassReset, webhook.ClassTLS, webhook.ClassDNS,
		webhook.ClassBlocked, webhook.ClassRedirect, webhook.ClassConnection, webhook.ClassInvalid, webhook.ClassDisabled} {
		out = append(out, webhook.AdviceFor(class, 0).Section)
	}
	for _, status := range []int{400, 401, 403, 404, 405, 410, 413, 422, 429, 500, 502, 503, 504} {
		out = append(out, webhook.AdviceFor(webhook.ClassHTTPStatus, status).Section)
	}
	return out
}
