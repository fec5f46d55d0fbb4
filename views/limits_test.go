package views

import (
	"strconv"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/forms"
)

// TestFormsQuoteTheFormLimits checks that inputs and help texts take their
// limits from forms, where they are enforced.
func TestFormsQuoteTheFormLimits(t *testing.T) {
	profile := render(t, ProfilePage(ProfileProps{Page: signedIn}))
	if got, _ := byTestID(profile, "token-name").Attr("maxlength"); got != strconv.Itoa(forms.MaxTokenNameLen) {
		t.Errorf("token name maxlength = %q, want %d", got, forms.MaxTokenNameLen)
	}
	signUp := render(t, SignUpPage(AuthProps{Page: signedIn}))
	if help := signUp.Find("#password-help").Text(); !strings.Contains(help, " "+strconv.Itoa(forms.MinPasswordLen)+" ") {
		t.Errorf("password help %q does not quote the minimum %d", help, forms.MinPasswordLen)
	}
}
