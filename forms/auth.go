package forms

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loadhook/loadhook/catalog"
)

// Password length limits. The upper bound keeps hashing cost predictable.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
	maxEmailLen    = 254
)

// AuthForm is the sign-up and the log-in form.
type AuthForm struct {
	Email    string
	Password string
	// Next is where to go after signing in; see SafeNext.
	Next string
}

// AuthErrors holds the messages shown beside the fields of AuthForm; Form is
// shown above the form.
type AuthErrors struct {
	Email    string
	Password string
	Form     string
}

// Any reports whether there is at least one error.
func (e AuthErrors) Any() bool { return e.Email != "" || e.Password != "" || e.Form != "" }

// ParseAuthForm reads the form, normalising the email. The password is kept
// exactly as typed.
func ParseAuthForm(v url.Values) AuthForm {
	return AuthForm{
		Email:    NormalizeEmail(v.Get("email")),
		Password: v.Get("password"),
		Next:     SafeNext(v.Get("next")),
	}
}

// NormalizeEmail trims and lower-cases an email, so one address is one account
// however it is typed. Invalid UTF-8 is left as it is for the validation to
// refuse (lower-casing would quietly turn it into U+FFFD).
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s
	}
	return strings.ToLower(s)
}

// ValidateSignUp checks a new account's email and password.
func (f *AuthForm) ValidateSignUp() AuthErrors {
	var errs AuthErrors
	errs.Email = checkEmail(f.Email)
	errs.Password = checkNewPassword(f.Password)
	return errs
}

// checkNewPassword checks a password being chosen, at sign-up or on a
// change: the same rules for both.
func checkNewPassword(password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case textError(password, "") != "":
		return passwordTextError(password)
	case n == 0:
		return "Choose a password."
	case n < MinPasswordLen:
		return "Use at least " + strconv.Itoa(MinPasswordLen) + " characters."
	case n > MaxPasswordLen:
		return "Use at most " + strconv.Itoa(MaxPasswordLen) + " characters."
	}
	return ""
}

// ValidateLogIn checks only that both fields are filled; whether they match an
// account is the handler's job, and it must not say which one was wrong.
func (f *AuthForm) ValidateLogIn() AuthErrors {
	var errs AuthErrors
	switch {
	case f.Email == "":
		errs.Email = "Enter your email address."
	case textError(f.Email, "") != "":
		errs.Email = textError(f.Email, "")
	}
	errs.Password = checkGivenPassword(f.Password, "Enter your password.")
	return errs
}

// checkGivenPassword checks a password typed to prove who one is: missing is
// the message when it is empty; whether it is right is the handler's to check.
func checkGivenPassword(password, missing string) string {
	if password == "" {
		return missing
	}
	if textError(password, "") != "" {
		return passwordTextError(password)
	}
	return ""
}

// passwordTextError says what is wrong with a password's bytes without
// repeating them: a password is never shown back.
func passwordTextError(password string) string {
	if catalog.CheckText(password, "") == catalog.TextInvalidUTF8 {
		return "Passwords must be valid UTF-8 text."
	}
	return "Passwords can't contain control characters (such as NUL or line breaks)."
}

func checkEmail(email string) string {
	if email == "" {
		return "Enter your email address."
	}
	if msg := textError(email, ""); msg != "" {
		return msg
	}
	if len(email) > maxEmailLen {
		return "That email address is too long."
	}
	addr, err := mail.ParseAddress(email)
	// ParseAddress also accepts "Name <a@b>"; an account needs the bare address.
	if err != nil || addr.Address != email {
		return "Enter an email address like name@example.com."
	}
	_, domain, _ := strings.Cut(email, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "Enter an email address like name@example.com."
	}
	return ""
}

// SafeNext returns next if it is a path on this site, or "" otherwise. Only a
// single leading slash is allowed: "//evil.example" and "/\evil.example" are
// read by browsers as other hosts.
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') || !utf8.ValidString(next) {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}
