package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/models"
)

func TestSignUpCreatesAccountAndSignsIn(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	res := c.post("/signup", url.Values{"email": {"  Ada@Example.COM "}, "password": {testPassword}})
	res.wantRedirect("/profile/integrations/webhook")

	u := app.user("ada@example.com") // normalised: trimmed, lower case
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=") || strings.Contains(u.PasswordHash, testPassword) {
		t.Errorf("password hash = %q, want a PHC argon2id string", u.PasswordHash)
	}
	if c.sessionCookie() == nil {
		t.Fatal("no session cookie after sign-up")
	}
	if n := app.count("sessions"); n != 1 {
		t.Errorf("sessions = %d, want 1", n)
	}
	page := c.get("/profile").wantStatus(http.StatusOK)
	if got := page.testid("profile-email").Text(); got != "ada@example.com" {
		t.Errorf("profile email = %q", got)
	}
	if got := page.testid("flash").Text(); !strings.Contains(got, "Welcome") {
		t.Errorf("flash = %q, want the welcome message", got)
	}
}

func TestSignUpRejectsBadInputKeepingIt(t *testing.T) {
	app := newTestApp(t)
	app.signUp("taken@example.com")
	tests := []struct {
		name, email, password string
		field, message        string
		keptEmail             string
	}{
		{"duplicate email", "Taken@example.com", testPassword, "email", "already exists", "taken@example.com"},
		{"bad email", "not-an-email", testPassword, "email", "Enter an email address", "not-an-email"},
		{"display name email", "Ada <ada@example.com>", testPassword, "email", "Enter an email address", "ada <ada@example.com>"},
		{"no email", "", testPassword, "email", "Enter your email", ""},
		{"short password", "new@example.com", "123456789", "password", "at least 10", "new@example.com"},
		{"long password", "new@example.com", strings.Repeat("x", 129), "password", "at most 128", "new@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := app.client().post("/signup", url.Values{"email": {tc.email}, "password": {tc.password}})
			res.wantStatus(http.StatusUnprocessableEntity)
			if got := res.testid(tc.field + "-error").Text(); !strings.Contains(got, tc.message) {
				t.Errorf("%s error = %q, want it to contain %q", tc.field, got, tc.message)
			}
			if inv, _ := res.find("#" + tc.field).Attr("aria-invalid"); inv != "true" {
				t.Errorf("#%s aria-invalid = %q, want true", tc.field, inv)
			}
			if got, _ := res.find("#email").Attr("value"); got != tc.keptEmail {
				t.Errorf("email kept as %q, want %q", got, tc.keptEmail)
			}
			if got, _ := res.find("#password").Attr("value"); got != "" {
				t.Errorf("password echoed back: %q", got)
			}
			if n := app.count("users"); n != 1 {
				t.Errorf("users = %d, want 1 (nothing saved)", n)
			}
		})
	}
}

func TestLogInRedirectsToSafeNext(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	tests := []struct{ next, want string }{
		{"", "/profile/integrations/webhook"},
		{"/profile", "/profile"},
		{"/profile/integrations/webhook/endpoints/new?x=1", "/profile/integrations/webhook/endpoints/new?x=1"},
		{"//evil.example/phish", "/profile/integrations/webhook"},
		{"/\\evil.example", "/profile/integrations/webhook"},
		{"https://evil.example/", "/profile/integrations/webhook"},
		{"javascript:alert(1)", "/profile/integrations/webhook"},
	}
	for _, tc := range tests {
		t.Run(tc.next, func(t *testing.T) {
			c := app.client()
			res := c.post("/login", url.Values{"email": {"ADA@example.com"}, "password": {testPassword}, "next": {tc.next}})
			res.wantRedirect(tc.want)
			if c.sessionCookie() == nil {
				t.Fatal("no session cookie after login")
			}
			c.get("/profile").wantStatus(http.StatusOK)
		})
	}
}

func TestLogInFailuresSayTheSameThing(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	wrongPassword := app.client().post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}})
	unknownEmail := app.client().post("/login", url.Values{"email": {"nobody@example.com"}, "password": {testPassword}})
	for name, res := range map[string]*response{"wrong password": wrongPassword, "unknown email": unknownEmail} {
		res.wantStatus(http.StatusUnprocessableEntity)
		if got := res.testid("form-error").Text(); got != "Email or password is incorrect." {
			t.Errorf("%s: message = %q", name, got)
		}
		if res.header.Get("Set-Cookie") != "" && strings.Contains(res.header.Get("Set-Cookie"), sessionCookie) {
			t.Errorf("%s: a session cookie was set", name)
		}
	}
	if got, _ := wrongPassword.find("#email").Attr("value"); got != "ada@example.com" {
		t.Errorf("email not kept: %q", got)
	}
	if n := app.count("sessions"); n != 1 { // the sign-up session only
		t.Errorf("sessions = %d, want 1", n)
	}
}

func TestLogInLimitsFailedAttempts(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	c := app.client()
	for i := 1; i <= 5; i++ {
		c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}}).wantStatus(http.StatusUnprocessableEntity)
	}
	// The 6th attempt is refused even with the right password.
	res := c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
	res.wantStatus(http.StatusTooManyRequests)
	if got := res.testid("form-error").Text(); !strings.Contains(got, "Too many failed attempts") {
		t.Errorf("message = %q", got)
	}
	if c.sessionCookie() != nil {
		t.Error("a session cookie was set on a refused attempt")
	}
	// Another account from the same address is not affected.
	app.signUp("bob@example.com")
	app.client().post("/login", url.Values{"email": {"bob@example.com"}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")
}

func TestLogInRenewsSession(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	before := sessionIDs(t, app)
	oldCookie := c.sessionCookie()

	c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")
	after := sessionIDs(t, app)
	if len(before) != 1 || len(after) != 1 || before[0] == after[0] {
		t.Fatalf("sessions before %v, after %v: want one row replaced by a new one", before, after)
	}
	c.get("/profile").wantStatus(http.StatusOK)

	// The cookie from before the login names a deleted session.
	replay := app.client()
	u, _ := url.Parse(app.srv.URL)
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: oldCookie.Name, Value: oldCookie.Value, Path: "/"}})
	replay.get("/profile").wantRedirect("/login?next=%2Fprofile")
}

func sessionIDs(t *testing.T, app *testApp) []string {
	t.Helper()
	var ids []string
	if err := app.db.Model(&models.Session{}).Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestLogOutEndsSession(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	cookie := c.sessionCookie()
	c.post("/logout", nil).wantRedirect("/login")
	if n := app.count("sessions"); n != 0 {
		t.Errorf("sessions = %d after logout, want 0", n)
	}
	c.get("/profile").wantRedirect("/login?next=%2Fprofile")

	replay := app.client()
	u, _ := url.Parse(app.srv.URL)
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookie.Name, Value: cookie.Value, Path: "/"}})
	replay.get("/profile").wantRedirect("/login?next=%2Fprofile")
	if page := c.get("/login").wantStatus(http.StatusOK); !strings.Contains(page.testid("flash").Text(), "logged out") {
		t.Errorf("no logged-out flash: %q", page.testid("flash").Text())
	}
}

func TestRequireUser(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.get("/profile/integrations/webhook/endpoints/new").
		wantRedirect("/login?next=%2Fprofile%2Fintegrations%2Fwebhook%2Fendpoints%2Fnew")
	c.headers.Set("HX-Request", "true")
	res := c.get("/profile").wantStatus(http.StatusUnauthorized)
	if res.header.Get("HX-Redirect") != "/login?next=%2Fprofile" {
		t.Errorf("HX-Redirect = %q", res.header.Get("HX-Redirect"))
	}
}

func TestCSRFRejectsPostsWithoutToken(t *testing.T) {
	app := newTestApp(t)
	anon := app.client()
	anon.get("/signup") // has the CSRF cookie, but does not send the token
	anon.noCSRF = true
	res := anon.post("/signup", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
	res.wantStatus(http.StatusForbidden)
	if !strings.Contains(res.testid("error-message").Text(), "expired") {
		t.Errorf("error page message = %q", res.testid("error-message").Text())
	}
	if n := app.count("users"); n != 0 {
		t.Fatalf("users = %d, want 0", n)
	}

	c := app.signUp("ada@example.com")
	c.noCSRF = true
	c.post("/profile/integrations/webhook/endpoints/new", validEndpoint()).wantStatus(http.StatusForbidden)
	wrong := validEndpoint()
	wrong.Set("_csrf", "not-the-token-not-the-token-1234")
	c.post("/profile/integrations/webhook/endpoints/new", wrong).wantStatus(http.StatusForbidden)
	c.post("/profile/tokens", url.Values{"name": {"ci"}}).wantStatus(http.StatusForbidden)
	c.post("/logout", nil).wantStatus(http.StatusForbidden)
	if n := app.count("endpoints"); n != 0 {
		t.Errorf("endpoints = %d, want 0", n)
	}
	if n := app.count("api_tokens"); n != 0 {
		t.Errorf("api tokens = %d, want 0", n)
	}
	if n := app.count("sessions"); n != 1 {
		t.Errorf("sessions = %d, want 1 (logout refused)", n)
	}
	// A cross-site browser request is refused by its Sec-Fetch-Site header.
	c.noCSRF = false
	c.headers.Set("Sec-Fetch-Site", "cross-site")
	c.post("/profile/tokens", url.Values{"name": {"ci"}}).wantStatus(http.StatusForbidden)
}
