package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// badBytes are the inputs that broke storage: SQLite stored them raw and
// Postgres answered 500.
var badBytes = map[string]string{
	"invalid UTF-8": "caf\xe9",
	"NUL":           "a\x00b",
	"C1 control":    "a\u009bb",
}

// wantByteError fails t unless the field's message says what is wrong with
// the bytes.
func wantByteError(t *testing.T, res *response, errorID string) {
	t.Helper()
	res.wantStatus(http.StatusUnprocessableEntity)
	msg := res.testid(errorID).Text()
	if !strings.Contains(msg, "UTF-8") && !strings.Contains(msg, "control characters") && !strings.Contains(msg, "NUL") && !strings.Contains(msg, "Use only letters") {
		t.Errorf("%s = %q, want it to say what is wrong with the bytes", errorID, msg)
	}
}

// TestFormsRefuseBadBytes: every text field of every form refuses invalid
// UTF-8 and control characters with a message beside the field, and nothing
// is stored, on SQLite and on Postgres (LOADHOOK_TEST_POSTGRES).
func TestFormsRefuseBadBytes(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("ada@example.com")
	for name, bad := range badBytes {
		t.Run(name, func(t *testing.T) {
			auth := []struct {
				path, field string
				values      url.Values
			}{
				{"/signup", "email", url.Values{"email": {"new" + bad + "@example.com"}, "password": {testPassword}}},
				{"/signup", "password", url.Values{"email": {"new@example.com"}, "password": {testPassword + bad}}},
				{"/login", "email", url.Values{"email": {"ada" + bad + "@example.com"}, "password": {testPassword}}},
				{"/login", "password", url.Values{"email": {"ada@example.com"}, "password": {testPassword + bad}}},
			}
			for _, tc := range auth {
				wantByteError(t, app.client().post(tc.path, tc.values), tc.field+"-error")
			}
			if n := app.count("users"); n != 1 {
				t.Errorf("users = %d, want 1", n)
			}

			endpoint := []struct {
				errorID string
				change  func(url.Values)
			}{
				{"url-error", func(v url.Values) { v.Set("url", "https://93.184.215.14/"+bad) }},
				{"description-error", func(v url.Values) { v.Set("description", "Checkout "+bad) }},
				{"header-name-0-error", func(v url.Values) { v["header_name"] = []string{"X-Team" + bad, "Authorization"} }},
				{"header-value-0-error", func(v url.Values) { v["header_value"] = []string{"check" + bad, "Bearer x"} }},
			}
			for _, tc := range endpoint {
				form := validEndpoint()
				tc.change(form)
				wantByteError(t, c.post("/profile/integrations/webhook/endpoints/new", form), tc.errorID)
			}
			if n := app.count("endpoints"); n != 0 {
				t.Errorf("endpoints = %d, want 0", n)
			}

			wantByteError(t, c.post("/profile/tokens", url.Values{"name": {"ci " + bad}}), "token-name-error")
			if n := app.count("api_tokens"); n != 0 {
				t.Errorf("api tokens = %d, want 0", n)
			}
		})
	}
}

// TestEventAPIRefusesBadBytes: the event API names the field whose text is
// not valid UTF-8 or holds control characters, and stores nothing.
func TestEventAPIRefusesBadBytes(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "TEST_STARTED,PROJECT_CREATED", true)
	// JSON carries NUL and controls as escapes; invalid UTF-8 only as raw bytes.
	escaped := map[string]string{"invalid UTF-8": "caf\xe9", "NUL": `a\u0000b`, "C1 control": `a\u009bb`}
	for name, bad := range escaped {
		bodies := map[string]string{
			"title":              `{"eventType":"PROJECT_CREATED","projectName":"P","title":"` + bad + `"}`,
			"message":            `{"eventType":"PROJECT_CREATED","projectName":"P","message":"` + bad + `"}`,
			"projectName":        `{"eventType":"PROJECT_CREATED","projectName":"` + bad + `"}`,
			"metadata.testRunId": `{"eventType":"TEST_STARTED","metadata":{"testRunId":"` + bad + `","maxUser":"1","duration":"1","watchLive":"l"}}`,
		}
		for field, body := range bodies {
			t.Run(name+"/"+field, func(t *testing.T) {
				rec := f.post(t, "Bearer "+f.token, body)
				if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 400 or 422: %s", rec.Code, rec.Body)
				}
				var got apiError
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("answer is not JSON: %v: %q", err, rec.Body)
				}
				if why := got.Fields[field]; !strings.Contains(why, "UTF-8") && !strings.Contains(why, "control characters") {
					t.Errorf("fields[%s] = %q (all: %v)", field, why, got.Fields)
				}
			})
		}
	}
	if n := f.count(t, "events"); n != 0 {
		t.Errorf("events = %d, want 0", n)
	}
}
