package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
)

var tokenPattern = regexp.MustCompile(`^lh_[A-Za-z0-9_-]{43}$`)

// Creating a token answers 303 to the profile page (post, redirect, get),
// which shows the value once: a reload shows it no more and creates
// nothing, and the form's own URL leads back to the page.
func TestCreateTokenShowsItOnce(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	c.post("/profile/tokens", url.Values{"name": {"  CI pipeline "}}).wantRedirect("/profile#tokens")
	res := c.get("/profile").wantStatus(http.StatusOK)
	value := res.testid("new-token-value").Text()
	if !tokenPattern.MatchString(value) {
		t.Fatalf("token = %q, want lh_ + 43 URL-safe characters", value)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q on the page with the token", cc)
	}

	tokens, err := app.store.APITokens(context.Background(), app.user("ada@example.com").ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	sum := sha256.Sum256([]byte(value))
	tok := tokens[0]
	if tok.Hash != hex.EncodeToString(sum[:]) || tok.Prefix != value[:8] || tok.Name != "CI pipeline" {
		t.Errorf("stored %+v; want the SHA-256 hex hash, prefix %q and the trimmed name", tok, value[:8])
	}

	page := c.get("/profile").wantStatus(http.StatusOK)
	if strings.Contains(page.body, value) || page.testid("new-token").Length() != 0 {
		t.Fatal("the token is shown again on reload")
	}
	if n := app.count("api_tokens"); n != 1 {
		t.Fatalf("%d tokens after a reload, want 1", n)
	}
	c.get("/profile/tokens").wantRedirect("/profile#tokens")
	if res.testid("manage-example").Length() != 0 || !strings.Contains(page.testid("token-row-scope").Text(), "Emit events") {
		t.Errorf("an events token: scope %q, management example shown: %v", page.testid("token-row-scope").Text(), res.testid("manage-example").Length() != 0)
	}
	row := page.testid("token-row")
	if row.Length() != 1 || row.Find(`[data-testid="token-row-name"]`).Text() != "CI pipeline" ||
		row.Find(`[data-testid="token-row-prefix"]`).Text() != value[:8]+"…" {
		t.Errorf("token row = %q", strings.Join(strings.Fields(row.Text()), " "))
	}
	if !strings.Contains(row.Text(), "Never") {
		t.Errorf("unused token's last use = %q", row.Text())
	}

	// The event API finds it by the same hash, and the list shows the use.
	if _, err := app.store.APITokenByHash(context.Background(), hex.EncodeToString(sum[:])); err != nil {
		t.Fatalf("token not found by hash: %v", err)
	}
	row = c.get("/profile").testid("token-row")
	if strings.Contains(row.Text(), "Never") || !strings.Contains(row.Text(), "just now") {
		t.Errorf("used token's row = %q", strings.Join(strings.Fields(row.Text()), " "))
	}
}

func TestCreateTokenValidation(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	for name, input := range map[string]string{"empty": "   ", "too long": strings.Repeat("n", 101)} {
		res := c.post("/profile/tokens", url.Values{"name": {input}}).wantStatus(http.StatusUnprocessableEntity)
		if res.testid("token-name-error").Length() != 1 {
			t.Errorf("%s: no error beside the name", name)
		}
		if got, _ := res.find("#token-name").Attr("value"); got != strings.TrimSpace(input) {
			t.Errorf("%s: name kept as %q", name, got)
		}
		if res.testid("new-token").Length() != 0 {
			t.Errorf("%s: a token was shown", name)
		}
	}
	if n := app.count("api_tokens"); n != 0 {
		t.Errorf("api tokens = %d, want 0", n)
	}
}

func TestRevokeToken(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	c.post("/profile/tokens", url.Values{"name": {"old"}}).wantStatus(http.StatusSeeOther)
	c.post("/profile/tokens", url.Values{"name": {"keep"}}).wantStatus(http.StatusSeeOther)
	tokens, _ := app.store.APITokens(context.Background(), app.user("ada@example.com").ID)
	old := tokens[1] // newest first
	if old.Name != "old" {
		t.Fatalf("tokens = %+v", tokens)
	}
	path := "/profile/tokens/" + itoa64(old.ID) + "/revoke"

	confirm := c.post(path, nil).wantStatus(http.StatusOK)
	if !strings.Contains(confirm.testid("confirm").Text(), "old ("+old.Prefix+"…)") {
		t.Errorf("confirm page = %q", confirm.testid("confirm").Text())
	}
	if n := app.count("api_tokens"); n != 2 {
		t.Fatalf("a token was revoked without confirmation")
	}
	c.post(path, url.Values{"confirmed": {"yes"}}).wantRedirect("/profile#tokens")
	left, _ := app.store.APITokens(context.Background(), app.user("ada@example.com").ID)
	if len(left) != 1 || left[0].Name != "keep" {
		t.Fatalf("tokens left = %+v", left)
	}
	c.post(path, url.Values{"confirmed": {"yes"}}).wantStatus(http.StatusNotFound)
}

// A revoked token stops working for the event API at once, even though the
// API caches tokens it has seen.
func TestRevokedTokenIsRefusedAtOnce(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	value := c.createToken("ci")
	send := func() int {
		req, _ := http.NewRequest(http.MethodPost, app.srv.URL+"/api/v1/events",
			strings.NewReader(`{"eventType":"PROJECT_CREATED","projectName":"P"}`))
		req.Header.Set("Authorization", "Bearer "+value)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := send(); got != http.StatusAccepted {
		t.Fatalf("before revoking: %d, want 202", got)
	}
	tokens, _ := app.store.APITokens(context.Background(), app.user("ada@example.com").ID)
	c.post("/profile/tokens/"+itoa64(tokens[0].ID)+"/revoke", url.Values{"confirmed": {"yes"}}).wantRedirect("/profile#tokens")
	if got := send(); got != http.StatusUnauthorized {
		t.Fatalf("after revoking: %d, want 401", got)
	}
}

// The scope chosen on the form is stored; an unknown one is refused beside
// the field, and nothing is created.
func TestCreateTokenScope(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("scope@example.com")
	form := c.get("/profile").wantStatus(http.StatusOK)
	if checked, _ := form.find(`input[name="scope"][checked]`).Attr("value"); checked != catalog.ScopeEvents {
		t.Errorf("the form checks %q by default, want %q", checked, catalog.ScopeEvents)
	}
	res := c.post("/profile/tokens", url.Values{"name": {"admin"}, "scope": {"root"}}).wantStatus(http.StatusUnprocessableEntity)
	if msg := res.testid("token-scope-error").Text(); msg != "Choose a scope: events or manage." {
		t.Errorf("scope error %q", msg)
	}
	if n := app.count("api_tokens"); n != 0 {
		t.Fatalf("%d tokens after a refused form", n)
	}
	c.post("/profile/tokens", url.Values{"name": {"platform"}, "scope": {catalog.ScopeManage}}).wantRedirect("/profile#tokens")
	page := c.get("/profile").wantStatus(http.StatusOK)
	if page.testid("manage-example").Length() != 1 || page.testid("token-row-scope").Text() != "Full management" {
		t.Errorf("manage token: example %d, scope %q", page.testid("manage-example").Length(), page.testid("token-row-scope").Text())
	}
	if href, _ := page.testid("api-docs-link").Attr("href"); href != paths.APIDocs {
		t.Errorf("API docs link %q", href)
	}
	tokens, _ := app.store.APITokens(context.Background(), app.user("scope@example.com").ID)
	if len(tokens) != 1 || tokens[0].Scope != catalog.ScopeManage {
		t.Fatalf("tokens %+v", tokens)
	}
	value := page.testid("new-token-value").Text()
	app.api(value).get(paths.APIEndpoints).want(http.StatusOK)
}
