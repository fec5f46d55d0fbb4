package forms

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidateSignUp(t *testing.T) {
	tests := []struct {
		email, password string
		emailErr, pwErr string
	}{
		{"ada@example.com", "0123456789", "", ""},
		{"ada@example.com", strings.Repeat("é", 128), "", ""},
		{"", "0123456789", "Enter your email", ""},
		{"ada", "0123456789", "like name@example.com", ""},
		{"ada@localhost", "0123456789", "like name@example.com", ""},
		{"ada@@example.com", "0123456789", "like name@example.com", ""},
		{"ada <ada@example.com>", "0123456789", "like name@example.com", ""},
		{strings.Repeat("a", 250) + "@example.com", "0123456789", "too long", ""},
		{"ada@example.com", "", "", "Choose a password"},
		{"ada@example.com", "012345678", "", "at least 10"},
		{"ada@example.com", strings.Repeat("x", 129), "", "at most 128"},
		{"ada\x00@example.com", "0123456789", "control characters", ""},
		{"ad\xe9@example.com", "0123456789", "valid UTF-8", ""},
		{"ADA\xe9@example.com", "0123456789", "valid UTF-8", ""},
		{"ada@example.com", "0123456789\x00", "", "control characters"},
		{"ada@example.com", "0123456789\n", "", "control characters"},
		{"ada@example.com", "01234567\xe9\xff", "", "valid UTF-8"},
	}
	for _, tc := range tests {
		f := ParseAuthForm(url.Values{"email": {tc.email}, "password": {tc.password}})
		errs := f.ValidateSignUp()
		if !strings.Contains(errs.Email, tc.emailErr) || (tc.emailErr == "") != (errs.Email == "") {
			t.Errorf("%q: email error %q, want %q", tc.email, errs.Email, tc.emailErr)
		}
		if !strings.Contains(errs.Password, tc.pwErr) || (tc.pwErr == "") != (errs.Password == "") {
			t.Errorf("%q/%d: password error %q, want %q", tc.email, len(tc.password), errs.Password, tc.pwErr)
		}
	}
}

func TestValidateLogInRefusesBadBytes(t *testing.T) {
	tests := []struct {
		email, password string
		emailErr, pwErr string
	}{
		{"ada@example.com", "anything", "", ""},
		{"", "", "Enter your email", "Enter your password"},
		{"ada\x00@example.com", "anything", "control characters", ""},
		{"ad\xe9@example.com", "anything", "valid UTF-8", ""},
		{"ada@example.com", "any\x00thing", "", "control characters"},
		{"ada@example.com", "any\xffthing", "", "valid UTF-8"},
	}
	for _, tc := range tests {
		f := ParseAuthForm(url.Values{"email": {tc.email}, "password": {tc.password}})
		errs := f.ValidateLogIn()
		if !strings.Contains(errs.Email, tc.emailErr) || (tc.emailErr == "") != (errs.Email == "") {
			t.Errorf("%q: email error %q, want %q", tc.email, errs.Email, tc.emailErr)
		}
		if !strings.Contains(errs.Password, tc.pwErr) || (tc.pwErr == "") != (errs.Password == "") {
			t.Errorf("%q: password error %q, want %q", tc.password, errs.Password, tc.pwErr)
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
