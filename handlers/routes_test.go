package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	app := newTestApp(t)
	res := app.client().get("/login").wantStatus(http.StatusOK)
	want := map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := res.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	// No inline script anywhere: every <script> has a src.
	if n := res.find("script:not([src])").Length(); n != 0 {
		t.Errorf("%d inline scripts", n)
	}
	if res.find(`[style]`).Length() != 0 || res.find("style").Length() != 0 {
		t.Error("inline styles, which the CSP blocks")
	}
	var csrfCookie *http.Cookie
	for _, ck := range (&http.Response{Header: res.header}).Cookies() {
		if ck.Name == "loadhook_csrf" {
			csrfCookie = ck
		}
	}
	if csrfCookie == nil || !csrfCookie.HttpOnly || csrfCookie.SameSite != http.SameSiteLaxMode || csrfCookie.Path != "/" {
		t.Errorf("CSRF cookie = %+v, want HttpOnly, SameSite=Lax, Path=/", csrfCookie)
	}
}

func TestErrorPages(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")

	res := c.get("/no/such/<script>alert(1)</script>").wantStatus(http.StatusNotFound)
	if res.testid("error-page").Length() != 1 || !strings.Contains(res.find("h1").Text(), "Page not found") {
		t.Errorf("404 page = %q", truncate(res.body, 500))
	}
	if strings.Contains(res.body, "<script>alert") {
		t.Error("the error page reflects markup")
	}
	if res.testid("nav-webhook").Length() != 1 {
		t.Error("the error page has no navigation for a signed-in user")
	}

	api := c.get("/api/v1/nothing-here").wantStatus(http.StatusNotFound)
	var body map[string]string
	if err := json.Unmarshal([]byte(api.body), &body); err != nil || body["error"] == "" {
		t.Errorf("API 404 = %q, want JSON {\"error\": …}", api.body)
	}

	c.headers.Set("X-CSRF-Token", c.csrfToken())
	c.do(http.MethodPut, "/login", nil, "").wantStatus(http.StatusMethodNotAllowed)
}

func TestStaticAssets(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	page := c.get("/login")
	href, _ := page.find(`link[rel="stylesheet"][href$="/app.css"]`).Attr("href")
	if !regexp.MustCompile(`^/static/[0-9a-f]{12}/app\.css$`).MatchString(href) {
		t.Fatalf("app.css is linked as %q, want a content-hashed URL", href)
	}
	css := c.get(href).wantStatus(http.StatusOK)
	if !strings.Contains(css.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("headers = %v", css.header)
	}
	for _, src := range []string{"/vendor/htmx.min.js", "/app.js"} {
		s, _ := page.find(`script[src$="` + src + `"]`).Attr("src")
		c.get(s).wantStatus(http.StatusOK)
	}
	stale := c.get("/static/000000000000/app.css").wantStatus(http.StatusOK)
	if strings.Contains(stale.header.Get("Cache-Control"), "immutable") {
		t.Error("a stale hash is cached as immutable")
	}
	c.get("/static/000000000000/missing.css").wantStatus(http.StatusNotFound)
	c.get("/static/000000000000/../static.go").wantStatus(http.StatusNotFound)
}

func TestHomeRedirects(t *testing.T) {
	app := newTestApp(t)
	app.client().get("/").wantRedirect("/login")
	app.signUp("ada@example.com").get("/").wantRedirect("/profile/integrations/webhook")
}
