package views

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
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

// TestPagesQuoteTheEngineLimits checks the texts that state a limit the
// engine applies: they take it from the data or from catalog.
func TestPagesQuoteTheEngineLimits(t *testing.T) {
	detail := detailProps()
	a := &detail.Status.AttemptList[0]
	a.Body, a.BodyBytes, a.Truncated = strings.Repeat("x", 64<<10), 64<<10, true
	doc := render(t, DeliveryDetailPage(detail))
	if got := byTestID(doc, "truncated").Text(); !strings.Contains(got, "first 64 KiB were kept") {
		t.Errorf("truncated note = %q", got)
	}
	page := render(t, EndpointOverviewPage(EndpointOverviewProps{Page: signedIn, ID: 3}))
	confirm, _ := byTestID(page, "rotate-secret").Closest("form").Attr("data-confirm")
	if !strings.Contains(confirm, "keeps working for "+hours(catalog.SecretOverlap)+".") || !strings.Contains(confirm, "24 hours") {
		t.Errorf("rotate confirmation = %q, want the overlap of catalog.SecretOverlap", confirm)
	}
	list := render(t, WebhookListPage(WebhookListProps{Page: signedIn, Max: 20, Endpoints: []EndpointCard{
		{ID: 1, URL: "https://a.example/hook", State: EndpointState{Enabled: true}, Health: HealthFigure{Delivered: 1, Finished: 2}, HealthWindow: 7 * 24 * time.Hour},
	}}))
	if got := strings.Join(strings.Fields(byTestID(list, "endpoint-rate").Text()), " "); got != "Last 168 hours: 50.0% 1 of 2 messages delivered" {
		t.Errorf("rate = %q, want the window it was given", got)
	}
}
