package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/internal/password"
	"github.com/loadhook/loadhook/internal/serverproc"
	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

// These tests run the built binary, as an operator does: the exit codes,
// stdout and stderr are what they check.

const cliSecret = "cli-test-secret-0123456789abcdef"

// TestCLIBinary builds the binary once for all of its subtests.
func TestCLIBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts servers")
	}
	bin := buildServer(t)
	t.Run("wrong usage exits 2, version prints the version", func(t *testing.T) { testUsageAndVersion(t, bin) })
	t.Run("migrate, then today's flags still serve", func(t *testing.T) { testMigrateThenServeFlagsStillServe(t, bin) })
	t.Run("user create stores the web app's hash", func(t *testing.T) { testUserCreateStoresTheWebAppsHash(t, bin) })
	t.Run("user, token and emit against a running server", func(t *testing.T) { testUserTokenAndEmitAgainstARunningServer(t, bin) })
}

// cliRun is one run of the binary.
type cliRun struct {
	code           int
	stdout, stderr string
}

// runBinary runs bin with args, stdin and the database settings of dsn.
func runBinary(t *testing.T, bin, dsn, stdin string, args ...string) cliRun {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	// Later entries win, so inherited LOADHOOK_* settings cannot leak in.
	cmd.Env = append(os.Environ(), "LOADHOOK_DB="+dsn, "LOADHOOK_SECRET="+cliSecret, "LOADHOOK_TOKEN=")
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func (r cliRun) want(t *testing.T, code int, stderrHas string) cliRun {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, stderrHas) {
		t.Fatalf("stderr %q, want it to say %q", r.stderr, stderrHas)
	}
	return r
}

// browser is a client of the web app that keeps cookies and does not
// follow redirects.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	resp, err := b.http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// logIn posts the login form, as a browser on the same site does (its
// Sec-Fetch-Site header stands for the CSRF token), and reports whether it
// signed in.
func (b *browser) logIn(email, pw string) bool {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {pw}}
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodPost, b.base+paths.LogIn, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == paths.Webhook
}

// signedIn reports whether the browser's session still opens the profile.
func (b *browser) signedIn() bool {
	b.t.Helper()
	return b.get(paths.Profile).StatusCode == http.StatusOK
}

func testUserTokenAndEmitAgainstARunningServer(t *testing.T, bin string) {
	dsn := testdb.DSN(t, os.Getenv)
	const email, firstPassword, secondPassword = "ops@example.com", "first password of ops", "second password of ops"

	// On a database nothing has touched: the command migrates it first.
	created := runBinary(t, bin, dsn, firstPassword+"\n", "user", "create", "--email", " Ops@Example.com ", "--password-stdin").want(t, exitOK, "")
	if !strings.Contains(created.stdout, "Created user") || !strings.Contains(created.stdout, email) {
		t.Errorf("stdout %q, want it to name the user created", created.stdout)
	}
	runBinary(t, bin, dsn, firstPassword+"\n", "user", "create", "--email", email, "--password-stdin").
		want(t, exitFailure, "an account with the email ops@example.com already exists")

	srv, err := serverproc.Start(t.Context(), serverproc.Options{Binary: bin, DB: dsn, Secret: cliSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)

	t.Run("the created user logs in", func(t *testing.T) {
		if newBrowser(t, srv.URL).logIn(email, "not the password") {
			t.Fatal("a wrong password signed in")
		}
		if !newBrowser(t, srv.URL).logIn(email, firstPassword) {
			t.Fatal("the password given to user create does not log in")
		}
	})

	t.Run("reset-password changes the password and ends the sessions", func(t *testing.T) {
		before := newBrowser(t, srv.URL)
		if !before.logIn(email, firstPassword) || !before.signedIn() {
			t.Fatal("could not sign in before the reset")
		}
		reset := runBinary(t, bin, dsn, secondPassword+"\n", "user", "reset-password", "--email", email, "--password-stdin").want(t, exitOK, "")
		if !strings.Contains(reset.stdout, "ended") {
			t.Errorf("stdout %q, want the sessions ended counted", reset.stdout)
		}
		if before.signedIn() {
			t.Error("a session from before the reset still opens the profile")
		}
		if newBrowser(t, srv.URL).logIn(email, firstPassword) {
			t.Error("the old password still logs in")
		}
		if !newBrowser(t, srv.URL).logIn(email, secondPassword) {
			t.Error("the new password does not log in")
		}
		runBinary(t, bin, dsn, secondPassword+"\n", "user", "reset-password", "--email", "nobody@example.com", "--password-stdin").
			want(t, exitFailure, "no account has the email nobody@example.com; create it with loadhook user create")
	})

	var token string
	t.Run("token create prints a token the event API accepts", func(t *testing.T) {
		out := runBinary(t, bin, dsn, "", "token", "create", "--user", email, "--name", "deploy script").want(t, exitOK, "shown only this once")
		token = strings.TrimSpace(out.stdout)
		if !strings.HasPrefix(token, models.APITokenPrefix) || strings.Contains(token, "\n") {
			t.Fatalf("stdout %q, want the token alone", out.stdout)
		}
		acc, err := serverproc.PostEvent(t.Context(), http.DefaultClient, srv.URL, token, []byte(`{"eventType":"PROJECT_CREATED","projectName":"Shop"}`))
		if err != nil {
			t.Fatalf("the event API refused the new token: %v", err)
		}
		if !strings.HasPrefix(acc.ID, "evt_") {
			t.Errorf("event id %q", acc.ID)
		}
		runBinary(t, bin, dsn, "", "token", "create", "--user", "nobody@example.com", "--name", "x").want(t, exitFailure, "no account has the email")
	})

	t.Run("token create --scope manage reaches the management API; the default does not", func(t *testing.T) {
		manage := strings.TrimSpace(runBinary(t, bin, dsn, "", "token", "create", "--user", email, "--name", "platform", "--scope", "manage").
			want(t, exitOK, "scope manage").stdout)
		events := strings.TrimSpace(runBinary(t, bin, dsn, "", "token", "create", "--user", email, "--name", "emitter").
			want(t, exitOK, "scope events").stdout)
		for _, tc := range []struct {
			token string
			want  int
		}{{manage, http.StatusOK}, {events, http.StatusForbidden}} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v1/endpoints", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Errorf("GET /api/v1/endpoints = %d, want %d", res.StatusCode, tc.want)
			}
		}
	})

	t.Run("emit posts an event the server accepts", func(t *testing.T) {
		if token == "" {
			t.Skip("no token")
		}
		out := runBinary(t, bin, dsn, "", "emit", "--url", srv.URL, "--token", token,
			"TEST_STARTED", "testRunId=42", "maxUser=100", "duration=300", "watchLive=https://app.example/live/42").want(t, exitOK, "")
		var acc serverproc.Accepted
		if err := json.Unmarshal([]byte(out.stdout), &acc); err != nil || !strings.HasPrefix(acc.ID, "evt_") {
			t.Fatalf("stdout %q, want the 202 answer (%v)", out.stdout, err)
		}
		// The token from the environment, as an operator keeps it out of ps.
		cmd := exec.CommandContext(t.Context(), bin, "emit", "--url", srv.URL, "PROJECT_DELETED", "projectName=Shop")
		cmd.Env = append(os.Environ(), "LOADHOOK_TOKEN="+token)
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), `"id":"evt_`) {
			t.Errorf("emit with LOADHOOK_TOKEN: %v\n%s", err, b)
		}
		// The server's refusals, on stderr, with exit 1.
		runBinary(t, bin, dsn, "", "emit", "--url", srv.URL, "--token", token, "TEST_STARTED", "testRunID=42").
			want(t, exitFailure, "422").want(t, exitFailure, "metadata.testRunID: unknown key; did you mean testRunId?")
		runBinary(t, bin, dsn, "", "emit", "--url", srv.URL, "--token", "lh_not-a-token", "PROJECT_CREATED", "projectName=Shop").
			want(t, exitFailure, "401")
		runBinary(t, bin, dsn, "", "emit", "--url", "http://"+mustFreeAddr(t), "--token", token, "PROJECT_CREATED", "projectName=Shop").
			want(t, exitFailure, "is the server running there?")
	})

	t.Run("a command with another secret refuses the database", func(t *testing.T) {
		cmd := exec.CommandContext(t.Context(), bin, "migrate")
		cmd.Env = append(os.Environ(), "LOADHOOK_DB="+dsn, "LOADHOOK_SECRET=not-the-secret-of-this-database")
		b, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitFailure || !strings.Contains(string(b), "LOADHOOK_SECRET does not open") {
			t.Errorf("migrate with another secret: %v\n%s", err, b)
		}
	})
}

func mustFreeAddr(t *testing.T) string {
	t.Helper()
	addr, err := serverproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func testMigrateThenServeFlagsStillServe(t *testing.T, bin string) {
	dsn := testdb.DSN(t, os.Getenv)
	out := runBinary(t, bin, dsn, "", "migrate").want(t, exitOK, "")
	if !strings.Contains(out.stdout, "up to date") {
		t.Errorf("stdout %q", out.stdout)
	}
	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	for _, table := range []string{"users", "sessions", "api_tokens", "settings", "river_job", "river_migration"} {
		if !db.Migrator().HasTable(table) {
			t.Errorf("no table %s after migrate", table)
		}
	}
	// The secret check is written, so a server with another secret would refuse.
	var settings int64
	if err := db.Model(&models.Setting{}).Count(&settings).Error; err != nil || settings == 0 {
		t.Errorf("settings rows = %d (%v), want the secret check", settings, err)
	}
	sqlDB.Close()
	runBinary(t, bin, dsn, "", "migrate").want(t, exitOK, "") // again: nothing to do

	// Today's flags without a command still serve, and so does serve.
	for _, args := range [][]string{{"-log-level", "warn"}, {"serve", "-log-level", "warn"}} {
		srv, err := serverproc.Start(context.Background(), serverproc.Options{Binary: bin, DB: dsn, Secret: cliSecret, Args: args})
		if err != nil {
			t.Fatalf("loadhook %v: %v", args, err)
		}
		srv.Kill()
	}
}

func testUsageAndVersion(t *testing.T, bin string) {
	dsn := t.TempDir() + "/untouched.db"
	runBinary(t, bin, dsn, "", "frobnicate").want(t, exitUsage, `unknown command "frobnicate"`)
	runBinary(t, bin, dsn, "", "user", "create", "--email", "ops@example.com").want(t, exitUsage, "--password-stdin")
	runBinary(t, bin, dsn, "short\n", "user", "create", "--email", "ops@example.com", "--password-stdin").
		want(t, exitUsage, "Use at least 10 characters.")
	runBinary(t, bin, dsn, "", "emit", "--token", "lh_x", "TEST_STARTED", "testRunId").want(t, exitUsage, "want key=value")
	if _, err := os.Stat(dsn); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("wrong usage created the database: %v", err)
	}
	out := runBinary(t, bin, dsn, "", "version").want(t, exitOK, "")
	if out.stdout != "loadhook "+version+"\n" {
		t.Errorf("version printed %q, want %q", out.stdout, "loadhook "+version+"\n")
	}
	runBinary(t, bin, dsn, "", "token", "create", "-h").want(t, exitOK, "Usage: loadhook token create --user EMAIL --name NAME")
}

func testUserCreateStoresTheWebAppsHash(t *testing.T, bin string) {
	dsn := testdb.DSN(t, os.Getenv)
	runBinary(t, bin, dsn, "a password of ten+\r\n", "user", "create", "--email", "hash@example.com", "--password-stdin").want(t, exitOK, "")
	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	var u models.User
	if err := db.Where("email = ?", "hash@example.com").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	// The line break (CR LF too) is not part of the password.
	if ok, err := password.Check(u.PasswordHash, "a password of ten+"); err != nil || !ok {
		t.Errorf("stored hash %q does not check against the password: %v, %v", u.PasswordHash, ok, err)
	}
}
