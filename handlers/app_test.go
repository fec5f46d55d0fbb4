package handlers

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/internal/teststore"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// testApp is the real web app over a fresh SQLite file, served by httptest.
type testApp struct {
	t      *testing.T
	server *Server
	store  *models.Store
	// db is the test's own handle on the rows, for seeding and checking.
	db    *gorm.DB
	hooks *webhook.Service
	srv   *httptest.Server
}

type appOptions struct {
	// allowedHosts is the LOADHOOK_ALLOWED_HOSTS value; "" is "external".
	allowedHosts string
	// startEngine starts the delivery engine, for end-to-end tests.
	startEngine bool
	// dsn is the database; "" is a fresh one. Two apps on one dsn are two
	// instances of one service.
	dsn string
	// log receives the server's log; nil discards it.
	log *slog.Logger
}

func newTestApp(t *testing.T) *testApp {
	return newTestAppWith(t, appOptions{})
}

func newTestAppWith(t *testing.T, opts appOptions) *testApp {
	t.Helper()
	dsn := opts.dsn
	if dsn == "" {
		dsn = testdb.DSN(t, os.Getenv)
	}
	store, db := teststore.Open(t, dsn)
	policy, err := hostguard.ParseAllowedHosts(opts.allowedHosts)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.log != nil {
		log = opts.log
	}
	hooks, err := webhook.NewService(context.Background(), store, policy, nil, webhook.Config{Logger: log, PollInterval: 10 * time.Millisecond, BaseURL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if opts.startEngine {
		if err := hooks.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := hooks.Stop(ctx); err != nil {
				t.Errorf("stop engine: %v", err)
			}
		})
	}
	s := New(Config{BaseURL: "http://127.0.0.1", SessionKey: bytes.Repeat([]byte("k"), 64), Version: "v-test"}, store, hooks, log)
	srv := httptest.NewServer(s.Routes())
	t.Cleanup(srv.Close)
	return &testApp{t: t, server: s, store: store, db: db, hooks: hooks, srv: srv}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a browser without JavaScript: it keeps cookies, does not follow
// redirects (tests look at them), and posts the CSRF token like a form does.
type client struct {
	t    *testing.T
	app  *testApp
	http *http.Client
	// noCSRF leaves the token out of posts.
	noCSRF bool
	// headers are added to every request.
	headers http.Header
}

func (a *testApp) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &client{t: a.t, app: a, headers: http.Header{}, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// response is a finished response with its body read.
type response struct {
	t      *testing.T
	status int
	header http.Header
	body   string
}

// doc parses the body as HTML.
func (r *response) doc() *goquery.Document {
	r.t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		r.t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// find returns the elements matching a CSS selector.
func (r *response) find(sel string) *goquery.Selection { return r.doc().Find(sel) }

// testid returns the elements with a data-testid.
func (r *response) testid(id string) *goquery.Selection {
	return r.find(`[data-testid="` + id + `"]`)
}

func (r *response) wantStatus(want int) *response {
	r.t.Helper()
	if r.status != want {
		r.t.Fatalf("status = %d, want %d; body:\n%s", r.status, want, truncate(r.body, 3000))
	}
	return r
}

func (r *response) wantRedirect(to string) *response {
	r.t.Helper()
	if r.status != http.StatusSeeOther {
		r.t.Fatalf("status = %d, want 303 to %s; body:\n%s", r.status, to, truncate(r.body, 3000))
	}
	if got := r.header.Get("Location"); got != to {
		r.t.Fatalf("Location = %q, want %q", got, to)
	}
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (c *client) do(method, path string, body io.Reader, contentType string) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.app.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{t: c.t, status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, "")
}

// post submits a form, with the CSRF token unless noCSRF is set.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	values := url.Values{}
	for k, v := range form {
		values[k] = append([]string(nil), v...)
	}
	if !c.noCSRF && values.Get("_csrf") == "" {
		values.Set("_csrf", c.csrfToken())
	}
	return c.do(http.MethodPost, path, strings.NewReader(values.Encode()), "application/x-www-form-urlencoded")
}

// csrfToken returns the token of the CSRF cookie, visiting a page to get one.
func (c *client) csrfToken() string {
	c.t.Helper()
	u, _ := url.Parse(c.app.srv.URL)
	for range 2 {
		for _, ck := range c.http.Jar.Cookies(u) {
			if ck.Name == "loadhook_csrf" {
				return ck.Value
			}
		}
		c.get("/login")
	}
	c.t.Fatal("no CSRF cookie")
	return ""
}

// sessionCookie returns the raw session cookie, to replay it later.
func (c *client) sessionCookie() *http.Cookie {
	u, _ := url.Parse(c.app.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck
		}
	}
	return nil
}

const testPassword = "correct horse battery"

// signUp makes an account and returns a client signed in to it.
func (a *testApp) signUp(email string) *client {
	a.t.Helper()
	c := a.client()
	c.post("/signup", url.Values{"email": {email}, "password": {testPassword}}).wantRedirect("/profile/integrations/webhook")
	return c
}

// user loads a user by email.
func (a *testApp) user(email string) *models.User {
	a.t.Helper()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// count returns the number of rows of a table.
func (a *testApp) count(table string) int64 {
	a.t.Helper()
	var n int64
	if err := a.db.Table(table).Count(&n).Error; err != nil {
		a.t.Fatal(err)
	}
	return n
}

// validEndpoint is a form that passes every rule under the "external" policy.
func validEndpoint() url.Values {
	return url.Values{
		"url":           {"https://93.184.215.14/hooks/loadhook"},
		"description":   {"Checkout team relay"},
		"header_name":   {"X-Team", "Authorization"},
		"header_value":  {"checkout", "Bearer s3cr3t-value-123"},
		"header_masked": {"", ""},
		"events":        {"TEST_STARTED", "TEST_FAILED", "PROJECT_CREATED"},
		"enabled":       {"on"},
		"action":        {"save"},
	}
}

// withSecretHeader is validEndpoint with its second header, the secret
// Authorization, sent back as name and value; masked is the hidden marker
// of the header whose saved value a masked value stands for ("" for none).
func withSecretHeader(name, value, masked string) url.Values {
	form := validEndpoint()
	form["header_name"] = []string{"X-Team", name}
	form["header_value"] = []string{"checkout", value}
	form["header_masked"] = []string{"", masked}
	return form
}

// adaWithSavedEndpoint is an app with ada signed in on c and validEndpoint
// saved through the form as id.
func adaWithSavedEndpoint(t *testing.T) (app *testApp, c *client, userID, id int64) {
	app = newTestApp(t)
	c = app.signUp("ada@example.com")
	return app, c, app.user("ada@example.com").ID, c.createEndpoint(validEndpoint())
}

// createEndpoint saves an endpoint through the form and returns its id.
func (c *client) createEndpoint(form url.Values) int64 {
	c.t.Helper()
	res := c.post("/profile/integrations/webhook/endpoints/new", form)
	if res.status != http.StatusSeeOther {
		c.t.Fatalf("create endpoint: status %d\n%s", res.status, truncate(res.body, 3000))
	}
	loc := res.header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/profile/integrations/webhook/endpoints/"), 10, 64)
	if err != nil {
		c.t.Fatalf("create endpoint redirected to %q", loc)
	}
	return id
}

func endpointPath(id int64, suffix string) string {
	p := "/profile/integrations/webhook/endpoints/" + strconv.FormatInt(id, 10)
	if suffix != "" {
		p += "/" + suffix
	}
	return p
}
