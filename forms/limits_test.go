package forms

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestLimitMessagesQuoteTheLimit checks that each message about a limit names
// the limit the code applies, just past it, so that changing a constant
// changes its message too.
func TestLimitMessagesQuoteTheLimit(t *testing.T) {
	signUp := func(password string) string {
		f := ParseAuthForm(url.Values{"email": {"ada@example.com"}, "password": {password}})
		return f.ValidateSignUp().Password
	}
	token := func(name string) string {
		f := ParseTokenForm(url.Values{"name": {name}})
		return f.Validate().Name
	}
	for _, tc := range []struct {
		what  string
		msg   string
		limit int
	}{
		{"password too short", signUp(strings.Repeat("x", MinPasswordLen-1)), MinPasswordLen},
		{"password too long", signUp(strings.Repeat("x", MaxPasswordLen+1)), MaxPasswordLen},
		{"token name too long", token(strings.Repeat("n", MaxTokenNameLen+1)), MaxTokenNameLen},
	} {
		if !strings.Contains(tc.msg, " "+strconv.Itoa(tc.limit)+" ") {
			t.Errorf("%s: %q does not quote the limit %d", tc.what, tc.msg, tc.limit)
		}
	}
	for _, ok := range []string{signUp(strings.Repeat("x", MinPasswordLen)), signUp(strings.Repeat("x", MaxPasswordLen)), token(strings.Repeat("n", MaxTokenNameLen))} {
		if ok != "" {
			t.Errorf("a value at the limit is refused: %q", ok)
		}
	}
}
