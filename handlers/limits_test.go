package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

// clientFrom is a client whose connections come from ip, one of the
// machine's loopback addresses (127.0.0.0/8): the server sees a different
// client address per client, as it would from different machines.
func (a *testApp) clientFrom(ip string) *client {
	c := a.client()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	transport := &http.Transport{DialContext: dialer.DialContext}
	a.t.Cleanup(transport.CloseIdleConnections)
	c.http.Transport = transport
	return c
}

// logIn posts the login form.
func (c *client) logIn(email, password string) *response {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// wantLoginLimited checks a refused login: 429, Retry-After, the one message.
func (r *response) wantLoginLimited() {
	r.t.Helper()
	r.wantStatus(http.StatusTooManyRequests)
	if got := r.testid("form-error").Text(); got != tooManyLogins {
		r.t.Errorf("message = %q, want %q", got, tooManyLogins)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 120 {
		r.t.Errorf("Retry-After = %q, want 1..120 seconds", r.header.Get("Retry-After"))
	}
}

// TestLogInLimitPerAddress: one address trying many accounts is limited,
// whatever the emails (unknown ones here), with the same message as for a
// known account; another address and another account are not affected.
func TestLogInLimitPerAddress(t *testing.T) {
	app := newTestApp(t)
	app.signUp("bob@example.com")
	sprayer := app.clientFrom("127.0.0.2")
	limited := 0
	for i := range 300 {
		res := sprayer.logIn(fmt.Sprintf("user%d@example.com", i), "Summer2024!!")
		if i < loginAddressLimit.Max {
			res.wantStatus(http.StatusUnprocessableEntity)
			continue
		}
		res.wantLoginLimited()
		limited++
	}
	if limited != 300-loginAddressLimit.Max {
		t.Errorf("%d of 300 limited, want %d", limited, 300-loginAddressLimit.Max)
	}
	// Even the right password of a real account is refused from there.
	sprayer.logIn("bob@example.com", testPassword).wantLoginLimited()
	// A correct login of another account from another address goes through.
	app.signUp("carol@example.com")
	app.clientFrom("127.0.0.3").logIn("carol@example.com", testPassword).wantRedirect("/profile/integrations/webhook")
}

// TestLogInLimitPerAccount: one account guessed from many addresses is
// limited, known or not, with the same message; another account from
// another address is not affected.
func TestLogInLimitPerAccount(t *testing.T) {
	for _, tc := range []struct{ name, email string }{
		{"known account", "ada@example.com"},
		{"unknown account", "nobody@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t)
			app.signUp("ada@example.com")
			for i := range 12 {
				res := app.clientFrom(fmt.Sprintf("127.0.1.%d", i+1)).logIn(tc.email, "wrong password!")
				if i < loginAccountLimit.Max {
					res.wantStatus(http.StatusUnprocessableEntity)
					continue
				}
				res.wantLoginLimited()
			}
			// The right password from a new address is refused too.
			app.clientFrom("127.0.1.100").logIn(tc.email, testPassword).wantLoginLimited()
			app.signUp("bob@example.com")
			app.clientFrom("127.0.2.1").logIn("bob@example.com", testPassword).wantRedirect("/profile/integrations/webhook")
		})
	}
}

// TestLogInCountsOnlyFailures: right passwords take their attempt back, so
// an office behind one address is not locked out by its own logins.
func TestLogInCountsOnlyFailures(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	office := app.clientFrom("127.0.3.1")
	for range loginAddressLimit.Max + 5 {
		office.logIn("ada@example.com", testPassword).wantRedirect("/profile/integrations/webhook")
	}
	// Failures right after a success start from zero for the account.
	for range loginAccountLimit.Max {
		office.logIn("ada@example.com", "wrong password!").wantStatus(http.StatusUnprocessableEntity)
	}
	office.logIn("ada@example.com", "wrong password!").wantLoginLimited()
}

func TestClientAddress(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"203.0.113.9:4000", "203.0.113.9"},
		{"[2001:db8:1:2:3:4:5:6]:4000", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:4000", "2001:db8:1:2::/64"}, // the same host's /64
		{"[::ffff:198.51.100.7]:4000", "198.51.100.7"},
	}
	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect() // as Routes sets it
	for _, tc := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if got := clientAddress(e.NewContext(req, httptest.NewRecorder())); got != tc.want {
			t.Errorf("clientAddress(%s) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

// fakeClock is a settable time for the caches and the refusal log.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

// postEvent sends an event with a bearer token and returns the answer.
func (c *client) postEvent(token string) *response {
	c.t.Helper()
	c.headers.Set("Authorization", "Bearer "+token)
	defer c.headers.Del("Authorization")
	return c.do(http.MethodPost, "/api/v1/events", strings.NewReader(`{"eventType":"PROJECT_CREATED","projectName":"P"}`), "application/json")
}

// createToken makes an API token on the profile page and returns its value.
func (c *client) createToken(name string) string {
	c.t.Helper()
	c.post("/profile/tokens", url.Values{"name": {name}}).wantRedirect("/profile#tokens")
	return c.get("/profile").wantStatus(http.StatusOK).testid("new-token-value").Text()
}

// countTokenLookups counts the queries on api_tokens from now on.
func countTokenLookups(t *testing.T, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	err := db.Callback().Query().Before("gorm:query").Register("test:count_token_lookups", func(tx *gorm.DB) {
		if tx.Statement.Table == "api_tokens" {
			n.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return &n
}

// TestBadTokensThrottledPerAddress: an address that sends bad tokens gets
// 429 with Retry-After once over the limit, and from then on costs no
// database read or write; the platform's own tokens keep working, from any
// address.
func TestBadTokensThrottledPerAddress(t *testing.T) {
	app := newTestApp(t)
	clock := newFakeClock()
	app.server.tokens.now = clock.now
	lookups := countTokenLookups(t, app.db)
	owner := app.signUp("ada@example.com")
	token := owner.createToken("platform")

	attacker := app.clientFrom("127.0.4.1")
	for i := range apiAuthLimit.Max {
		attacker.postEvent(fmt.Sprintf("lh_guess%039d", i)).wantStatus(http.StatusUnauthorized)
	}
	res := attacker.postEvent("lh_one-more-guess").wantStatus(http.StatusTooManyRequests)
	var body apiError
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || !strings.Contains(body.Error, "too many requests with a bad API token") {
		t.Errorf("429 body = %s (%v)", res.body, err)
	}
	if secs, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || secs < 1 || secs > 120 {
		t.Errorf("Retry-After = %q, want 1..120 seconds", res.header.Get("Retry-After"))
	}

	readsBefore, hitsBefore := lookups.Load(), counterHits(t, app.db)
	for i := range 500 {
		attacker.postEvent(fmt.Sprintf("lh_flood%040d", i)).wantStatus(http.StatusTooManyRequests)
	}
	attacker.do(http.MethodPost, "/api/v1/events", strings.NewReader("{}"), "application/json").wantStatus(http.StatusTooManyRequests)
	if reads := lookups.Load() - readsBefore; reads != 0 {
		t.Errorf("%d token lookups while the address was blocked, want 0", reads)
	}
	if hits := counterHits(t, app.db); hits != hitsBefore {
		t.Errorf("counted hits went from %d to %d while blocked, want no writes", hitsBefore, hits)
	}

	// The platform, from its own address, is not affected.
	platform := app.clientFrom("127.0.4.2")
	platform.postEvent(token).wantStatus(http.StatusAccepted)
	// From the blocked address, a token seen valid still works: fresh from
	// the cache, and once stale, looked up again.
	attacker.postEvent(token).wantStatus(http.StatusAccepted)
	clock.advance(tokenFreshFor)
	attacker.postEvent(token).wantStatus(http.StatusAccepted)
	if reads := lookups.Load() - readsBefore; reads != 2 {
		t.Errorf("%d token lookups for the platform's token, want 2 (one per freshness period)", reads)
	}
}

// counterHits sums the hits of every rate counter.
func counterHits(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&models.RateCounter{}).Select("COALESCE(SUM(hits), 0)").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(substr string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(b.buf.String(), "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

// TestRefusalsAreNotLoggedOneLineEach: a flood of bad tokens writes one
// request line per refusalLogEvery, counting the ones left out.
func TestRefusalsAreNotLoggedOneLineEach(t *testing.T) {
	var logs syncBuffer
	app := newTestAppWith(t, appOptions{log: slog.New(slog.NewTextHandler(&logs, nil))})
	clock := newFakeClock()
	app.server.refusals.now = clock.now
	c := app.client()
	for i := range 200 {
		c.postEvent(fmt.Sprintf("lh_bad%042d", i))
	}
	if got := app.client().get("/login").status; got != http.StatusOK {
		t.Fatalf("GET /login = %d", got)
	}
	if lines := logs.lines("status=401"); len(lines) != 1 {
		t.Errorf("%d request lines for 401s, want 1:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if lines := logs.lines("status=200"); len(lines) != 1 {
		t.Errorf("%d request lines for the page, want 1: ordinary requests are still logged", len(lines))
	}
	clock.advance(refusalLogEvery)
	c.postEvent("lh_after-a-while")
	lines := logs.lines("status=429")
	if len(lines) != 1 || !strings.Contains(lines[0], "refusals_not_logged=199") {
		t.Errorf("after %s: lines %q, want one counting the 199 left out", refusalLogEvery, lines)
	}
}

// TestTwoInstancesShareLimitsSessionsAndRevocations runs two servers on one
// database, as two instances behind a load balancer: every limit counts
// across both, a logout ends the session on both, and a token revoked on one
// is refused by the other within tokenFreshFor (at most 1 s).
func TestTwoInstancesShareLimitsSessionsAndRevocations(t *testing.T) {
	if tokenFreshFor > time.Second {
		t.Fatalf("tokenFreshFor = %s: a revoked token must be refused everywhere within 1 s", tokenFreshFor)
	}
	dsn := testdb.DSN(t, os.Getenv)
	a := newTestAppWith(t, appOptions{dsn: dsn})
	b := newTestAppWith(t, appOptions{dsn: dsn})
	clockB := newFakeClock()
	b.server.tokens.now = clockB.now

	onA := a.signUp("ada@example.com")
	onB := b.client()
	u, _ := url.Parse(b.srv.URL)
	onB.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: onA.sessionCookie().Value, Path: "/"}})
	onB.get("/profile").wantStatus(http.StatusOK)

	t.Run("test sends", func(t *testing.T) {
		ep := a.seedEndpoint(a.user("ada@example.com").ID, "https://93.184.215.14/a")
		for i := range testSendLimit.Max {
			c := onA
			if i%2 == 1 {
				c = onB
			}
			c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantRedirect(endpointPath(ep, ""))
		}
		for _, c := range []*client{onA, onB} {
			res := c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusTooManyRequests)
			if res.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
	})

	t.Run("failed logins", func(t *testing.T) {
		b.signUp("bob@example.com")
		for i := range loginAccountLimit.Max {
			app := a
			if i%2 == 1 {
				app = b
			}
			app.client().logIn("bob@example.com", "wrong password!").wantStatus(http.StatusUnprocessableEntity)
		}
		a.client().logIn("bob@example.com", testPassword).wantLoginLimited()
		b.client().logIn("bob@example.com", testPassword).wantLoginLimited()
	})

	t.Run("revoked token", func(t *testing.T) {
		token := onA.createToken("platform")
		b.client().postEvent(token).wantStatus(http.StatusAccepted) // B caches it
		tokens, err := a.store.APITokens(context.Background(), a.user("ada@example.com").ID)
		if err != nil {
			t.Fatal(err)
		}
		onA.post("/profile/tokens/"+itoa64(tokens[0].ID)+"/revoke", url.Values{"confirmed": {"yes"}}).wantRedirect("/profile#tokens")
		a.client().postEvent(token).wantStatus(http.StatusUnauthorized)
		clockB.advance(tokenFreshFor)
		b.client().postEvent(token).wantStatus(http.StatusUnauthorized)
	})

	t.Run("logout", func(t *testing.T) {
		onA.post("/logout", nil).wantRedirect("/login")
		onB.get("/profile").wantRedirect("/login?next=%2Fprofile")
	})
}
