package forms

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidateAuthForms(t *testing.T) {
	signUp := func(f AuthForm) AuthErrors { return f.ValidateSignUp() }
	logIn := func(f AuthForm) AuthErrors { return f.ValidateLogIn() }
	tests := []struct {
		validate        func(AuthForm) AuthErrors
		email, password string
		emailErr, pwErr string
	}{
		{signUp, "ada@example.com", "0123456789", "", ""},
		{signUp, "ada@example.com", strings.Repeat("é", 128), "", ""},
		{signUp, "", "0123456789", "Enter your email", ""},
		{signUp, "ada", "0123456789", "like name@example.com", ""},
		{signUp, "ada@localhost", "0123456789", "like name@example.com", ""},
		{signUp, "ada@@example.com", "0123456789", "like name@example.com", ""},
		{signUp, "ada <ada@example.com>", "0123456789", "like name@example.com", ""},
		{signUp, strings.Repeat("a", 250) + "@example.com", "0123456789", "too long", ""},
		{signUp, "ada@example.com", "", "", "Choose a password"},
		{signUp, "ada@example.com", "012345678", "", "at least 10"},
		{signUp, "ada@example.com", strings.Repeat("x", 129), "", "at most 128"},
		{signUp, "ada\x00@example.com", "0123456789", "control characters", ""},
		{signUp, "ad\xe9@example.com", "0123456789", "valid UTF-8", ""},
		{signUp, "ADA\xe9@example.com", "0123456789", "valid UTF-8", ""},
		{signUp, "ada@example.com", "0123456789\x00", "", "control characters"},
		{signUp, "ada@example.com", "0123456789\n", "", "control characters"},
		{signUp, "ada@example.com", "01234567\xe9\xff", "", "valid UTF-8"},
		{logIn, "ada@example.com", "anything", "", ""},
		{logIn, "", "", "Enter your email", "Enter your password"},
		{logIn, "ada\x00@example.com", "anything", "control characters", ""},
		{logIn, "ad\xe9@example.com", "anything", "valid UTF-8", ""},
		{logIn, "ada@example.com", "any\x00thing", "", "control characters"},
		{logIn, "ada@example.com", "any\xffthing", "", "valid UTF-8"},
	}
	for _, tc := range tests {
		f := ParseAuthForm(url.Values{"email": {tc.email}, "password": {tc.password}})
		errs := tc.validate(f)
		if !strings.Contains(errs.Email, tc.emailErr) || (tc.emailErr == "") != (errs.Email == "") {
			t.Errorf("%q: email error %q, want %q", tc.email, errs.Email, tc.emailErr)
		}
		if !strings.Contains(errs.Password, tc.pwErr) || (tc.pwErr == "") != (errs.Password == "") {
			t.Errorf("%q/%d: password error %q, want %q", tc.email, len(tc.password), errs.Password, tc.pwErr)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got := NormalizeEmail("  Ada.Lovelace@Example.COM\t"); got != "ada.lovelace@example.com" {
		t.Errorf("NormalizeEmail = %q", got)
	}
}

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"":                      "",
		"/":                     "/",
		"/profile":              "/profile",
		"/profile?tab=tokens#x": "/profile?tab=tokens#x",
		"//evil.example":        "",
		"/\\evil.example":       "",
		"/ok\\evil":             "",
		"https://evil.example/": "",
		"evil.example":          "",
		"javascript:alert(1)":   "",
		"/\x00":                 "",
		"/a\nb":                 "",
		"/caf\xe9":              "",
	}
	for in, want := range tests {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokenForm(t *testing.T) {
	for in, wantErr := range map[string]bool{
		"ci": false, "  ": true, strings.Repeat("n", 100): false, strings.Repeat("n", 101): true,
		"ci\x00": true, "c\ti": true, "c\ni": true, "caf\xe9": true, "café 🚀": false,
	} {
		f := ParseTokenForm(url.Values{"name": {in}})
		if got := f.Validate().Any(); got != wantErr {
			t.Errorf("name %q: error = %v, want %v", in, got, wantErr)
		}
	}
}
