package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/views"
)

// A disabled endpoint is sent nothing, test events included: its page turns
// the button off and says why, and a post that comes anyway (an old page, a
// script) is refused with the same reason and stores nothing.
func TestSendTestEventToDisabledEndpoint(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)

	page := c.get(endpointPath(ep, "")).wantStatus(http.StatusOK)
	if _, off := page.testid("send-test-button").Attr("disabled"); off || page.testid("send-test-disabled").Length() != 0 {
		t.Fatal("an enabled endpoint's test button is off")
	}
	if err := app.store.SetEndpointEnabled(t.Context(), uid, ep, false); err != nil {
		t.Fatal(err)
	}
	page = c.get(endpointPath(ep, "")).wantStatus(http.StatusOK)
	if _, off := page.testid("send-test-button").Attr("disabled"); !off {
		t.Error("a disabled endpoint's test button can be pressed")
	}
	if note := page.testid("send-test-disabled").Text(); note != views.SendTestDisabledNote {
		t.Errorf("the note beside the button = %q, want %q", note, views.SendTestDisabledNote)
	}

	for _, htmx := range []bool{false, true} {
		if htmx {
			c.headers.Set("HX-Request", "true")
		} else {
			c.headers.Del("HX-Request")
		}
		res := c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusConflict)
		if !strings.Contains(res.body, "This endpoint is disabled") {
			t.Errorf("htmx %v: the refusal does not say why: %s", htmx, truncate(res.body, 300))
		}
	}
	if n := app.count("messages"); n != 0 {
		t.Fatalf("%d messages stored for a disabled endpoint, want 0", n)
	}
}
