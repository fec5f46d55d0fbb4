package handlers

import (
	"net/http"
	"testing"
)

// TestEndpointPostOpening: create and update share how a posted form is
// read, so both answer the Add header button and an invalid form the same
// way, and neither saves anything for them.
func TestEndpointPostOpening(t *testing.T) {
	app, c, userID, id := adaWithSavedEndpoint(t)
	saved, err := app.store.Endpoint(t.Context(), userID, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []struct{ name, path string }{
		{"create", "/profile/integrations/webhook/endpoints/new"},
		{"update", endpointPath(id, "edit")},
	} {
		form := validEndpoint()
		form.Set("action", "add-header")
		if n := headerRows(c.post(target.path, form).wantStatus(http.StatusOK)).Length(); n != 3 {
			t.Errorf("%s: rows after Add header = %d, want 3", target.name, n)
		}

		form = validEndpoint()
		form.Set("url", "ftp://example.com/hook")
		res := c.post(target.path, form).wantStatus(http.StatusUnprocessableEntity)
		if got, _ := res.find(`input[name="url"]`).Attr("value"); got != "ftp://example.com/hook" {
			t.Errorf("%s: the invalid URL is not kept: %q", target.name, got)
		}
		if res.testid("url-error").Length()+res.find(".field-error").Length() == 0 {
			t.Errorf("%s: no field error for the URL", target.name)
		}
	}
	if n := app.count("endpoints"); n != 1 {
		t.Errorf("endpoints = %d, want only the first", n)
	}
	after, err := app.store.Endpoint(t.Context(), userID, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.URL != saved.URL || len(after.Headers) != len(saved.Headers) {
		t.Errorf("the endpoint changed: %+v", after)
	}
}
