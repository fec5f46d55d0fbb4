package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// runInProcess runs the CLI with stdin and the environment given, and
// returns the exit code, stdout and stderr.
func runInProcess(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runCLI(args, cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

func TestCLIWrongUsageExits2AndChangesNothing(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "loadhook.db")
	env := map[string]string{"LOADHOOK_DB": dbPath, "LOADHOOK_SECRET": "a secret of the cli tests"}
	longPassword := strings.Repeat("x", maxPasswordInput+10)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, "", `unknown command "frobnicate"; use serve, migrate, user, token, emit or version`},
		{"user without a command", []string{"user"}, "", "where COMMAND is create or reset-password"},
		{"unknown user command", []string{"user", "delete"}, "", `unknown command "user delete"`},
		{"user create without email", []string{"user", "create", "--password-stdin"}, "a long enough password\n", "give the account's email with --email"},
		{"user create without password-stdin", []string{"user", "create", "--email", "ada@example.com"}, "", "give the password on standard input with --password-stdin"},
		{"user create short password", []string{"user", "create", "--email", "ada@example.com", "--password-stdin"}, "short\n", "the password on standard input: Use at least 10 characters."},
		{"user create empty password", []string{"user", "create", "--email", "ada@example.com", "--password-stdin"}, "", "the password on standard input: Choose a password."},
		{"user create too long password", []string{"user", "create", "--email", "ada@example.com", "--password-stdin"}, longPassword, "Use at most 128 characters."},
		{"user create bad email", []string{"user", "create", "--email", "ada.example.com", "--password-stdin"}, "a long enough password\n", `--email "ada.example.com": Enter an email address like name@example.com.`},
		{"user create unknown flag", []string{"user", "create", "--password", "x"}, "", "flag provided but not defined: -password"},
		{"reset-password short password", []string{"user", "reset-password", "--email", "ada@example.com", "--password-stdin"}, "short\n", "Use at least 10 characters."},
		{"token create without user", []string{"token", "create", "--name", "ci"}, "", "give the account's email with --user"},
		{"token create without name", []string{"token", "create", "--user", "ada@example.com"}, "", "--name: Give the token a name"},
		{"token create long name", []string{"token", "create", "--user", "ada@example.com", "--name", strings.Repeat("n", 101)}, "", "--name: Use at most 100 characters."},
		{"token create unknown scope", []string{"token", "create", "--user", "ada@example.com", "--name", "ci", "--scope", "admin"}, "", "--scope: Choose a scope: events or manage."},
		{"emit without token", []string{"emit", "PROJECT_CREATED"}, "", "give an API token with --token or LOADHOOK_TOKEN"},
		{"emit without type", []string{"emit", "--token", "lh_x"}, "", "name the event type first"},
		{"emit pair without =", []string{"emit", "--token", "lh_x", "TEST_STARTED", "testRunId"}, "", `"testRunId": want key=value`},
		{"emit key twice", []string{"emit", "--token", "lh_x", "TEST_STARTED", "maxUser=1", "maxUser=2"}, "", "maxUser is given twice"},
		{"emit eventType pair", []string{"emit", "--token", "lh_x", "TEST_STARTED", "eventType=X"}, "", "the event type is the first argument"},
		{"emit bad url", []string{"emit", "--url", "127.0.0.1:8080", "--token", "lh_x", "TEST_STARTED"}, "", `--url "127.0.0.1:8080": want the server's base URL`},
		{"migrate argument", []string{"migrate", "now"}, "", `unexpected argument "now"`},
		{"migrate bad db-max-conns", []string{"migrate", "-db-max-conns", "1"}, "", `db-max-conns "1": want a whole number of at least 2`},
		{"version argument", []string{"version", "--short"}, "", "flag provided but not defined: -short"},
		{"serve bad workers", []string{"-workers", "0"}, "", `workers "0": want a whole number of at least 1`},
		{"serve argument", []string{"serve", "now"}, "", `serve takes flags only, not "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runInProcess(t, env, tt.stdin, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want it to say %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
	if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("wrong usage touched the database (%v); input must be checked before it is opened", err)
	}
}

func TestCLIHelpExits0WithoutSecrets(t *testing.T) {
	const secret, token = "the secret of the help test", "lh_the-token-of-the-help-test"
	env := map[string]string{"LOADHOOK_SECRET": secret, envToken: token}
	for _, args := range [][]string{
		{"-h"}, {"serve", "-h"}, {"migrate", "-h"}, {"user", "-h"}, {"user", "create", "-h"},
		{"user", "reset-password", "-h"}, {"token", "create", "-h"}, {"emit", "-h"}, {"version", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runInProcess(t, env, "", args...)
			if code != exitOK {
				t.Errorf("exit code %d, want 0", code)
			}
			if !strings.Contains(stderr, "Usage") {
				t.Errorf("stderr %q, want a usage text", stderr)
			}
			if strings.Contains(stderr, secret) || strings.Contains(stderr, token) {
				t.Errorf("the help shows the value of LOADHOOK_SECRET or %s:\n%s", envToken, stderr)
			}
		})
	}
	code, stdout, _ := runInProcess(t, env, "", "help")
	if code != exitOK || !strings.Contains(stdout, "loadhook token create --user EMAIL --name NAME") {
		t.Errorf("help: exit %d, stdout %q; want 0 and the commands", code, stdout)
	}
}

func TestEventBody(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		pairs []string
		want  map[string]any
	}{
		{"project event: projectName is top-level", "PROJECT_CREATED", []string{"projectName=Shop"},
			map[string]any{"eventType": "PROJECT_CREATED", "projectName": "Shop"}},
		{"metadata keys and overrides", "TEST_STARTED", []string{"testRunId=42", "maxUser=100", "severity=warning", "title=Nightly"},
			map[string]any{"eventType": "TEST_STARTED", "severity": "warning", "title": "Nightly",
				"metadata": map[string]any{"testRunId": "42", "maxUser": "100"}}},
		{"builder event: projectName is a metadata key", "TEST_BUILDER_CREATED", []string{"projectName=Shop", "projectId=7"},
			map[string]any{"eventType": "TEST_BUILDER_CREATED", "metadata": map[string]any{"projectName": "Shop", "projectId": "7"}}},
		{"an unknown key goes to metadata, for the server to name", "TEST_STARTED", []string{"testRunID=42"},
			map[string]any{"eventType": "TEST_STARTED", "metadata": map[string]any{"testRunID": "42"}}},
		{"a value may hold = and be empty", "TEST_FINISH", []string{"reportLink=https://x.example/?a=b", "status="},
			map[string]any{"eventType": "TEST_FINISH", "metadata": map[string]any{"reportLink": "https://x.example/?a=b", "status": ""}}},
		{"unknown type: overrides stay top-level", "NOPE", []string{"message=hi", "k=v"},
			map[string]any{"eventType": "NOPE", "message": "hi", "metadata": map[string]any{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := eventBody(tt.typ, tt.pairs)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("body %s, want %v", body, tt.want)
			}
		})
	}
}

func TestReadPassword(t *testing.T) {
	tests := []struct {
		name, in, want string
		usage          bool
	}{
		{"line", "correct horse\n", "correct horse", false},
		{"windows line", "correct horse\r\n", "correct horse", false},
		{"no line break", "correct horse", "correct horse", false},
		{"only the first line", "first line\nsecond line\n", "first line", false},
		{"spaces are kept", "  spaced  \n", "  spaced  ", false},
		{"longer than any allowed password", strings.Repeat("é", maxPasswordInput), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPassword(strings.NewReader(tt.in))
			var usage *usageError
			if tt.usage != errors.As(err, &usage) {
				t.Fatalf("err = %v, want a usage error: %v", err, tt.usage)
			}
			if got != tt.want {
				t.Errorf("password %q, want %q", got, tt.want)
			}
		})
	}
}
