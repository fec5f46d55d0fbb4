package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

// validEndpointJSON passes every rule under the "external" policy.
const validEndpointJSON = `{"url":"https://93.184.215.14/hooks/loadhook","description":"Checkout relay",
	"headers":[{"name":"X-Team","value":"checkout"},{"name":"Authorization","value":"Bearer s3cr3t-value-123"}],
	"events":["TEST_STARTED","PROJECT_CREATED"]}`

// apiUser is a user with a manage token.
func (a *testApp) apiUser(email string) (int64, *apiCaller) {
	a.t.Helper()
	u, err := a.store.CreateUser(context.Background(), email, "x")
	if err != nil {
		a.t.Fatal(err)
	}
	return u.ID, a.api(a.newToken(u.ID, catalog.ScopeManage))
}

func endpointAPIPath(pattern string, id int64) string { return paths.WithID(pattern, id) }

func TestAPIEndpointLifecycle(t *testing.T) {
	app := newTestApp(t)
	_, api := app.apiUser("owner@example.com")

	created := api.post(paths.APIEndpoints, validEndpointJSON).want(http.StatusCreated)
	var ep apiEndpoint
	created.decode(&ep)
	if loc := created.header.Get("Location"); loc != endpointAPIPath(paths.APIEndpoint, ep.ID) {
		t.Errorf("Location %q", loc)
	}
	masked := catalog.MaskValue("Bearer s3cr3t-value-123")
	if !ep.Enabled || ep.URL != "https://93.184.215.14/hooks/loadhook" || len(ep.Headers) != 2 || ep.Headers[1].Value != masked {
		t.Errorf("created %+v", ep)
	}
	if strings.Contains(string(created.body), "s3cr3t") || strings.Contains(string(created.body), catalog.SecretPrefix) {
		t.Error("the answer shows a credential or the signing secret")
	}

	var list apiEndpointList
	api.get(paths.APIEndpoints).want(http.StatusOK).decode(&list)
	if len(list.Data) != 1 || list.Data[0].ID != ep.ID {
		t.Errorf("list %+v", list)
	}

	// A partial update keeps the rest, the masked header value included.
	var updated apiEndpoint
	api.do(http.MethodPatch, endpointAPIPath(paths.APIEndpoint, ep.ID), `{"description":"Renamed","events":["TEST_FAILED"]}`).
		want(http.StatusOK).decode(&updated)
	if updated.Description != "Renamed" || len(updated.Events) != 1 || updated.URL != ep.URL {
		t.Errorf("updated %+v", updated)
	}
	saved, err := app.store.Endpoint(context.Background(), app.userIDOf("owner@example.com"), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Headers) != 2 || saved.Headers[1].Value != "Bearer s3cr3t-value-123" {
		t.Errorf("saved headers %v", saved.Headers)
	}
	// Sent back as read, the masked value keeps the saved one.
	body, _ := json.Marshal(map[string]any{"headers": updated.Headers})
	api.do(http.MethodPatch, endpointAPIPath(paths.APIEndpoint, ep.ID), string(body)).want(http.StatusOK)
	if saved, _ = app.store.Endpoint(context.Background(), saved.UserID, ep.ID); saved.Headers[1].Value != "Bearer s3cr3t-value-123" {
		t.Errorf("after sending the masked value back: %v", saved.Headers)
	}

	var got apiEndpoint
	api.post(endpointAPIPath(paths.APIEndpointDisable, ep.ID), "").want(http.StatusOK).decode(&got)
	if got.Enabled {
		t.Error("still enabled after disable")
	}
	api.post(endpointAPIPath(paths.APIEndpointTest, ep.ID), `{"eventType":"TEST_STARTED"}`).want(http.StatusConflict)
	api.post(endpointAPIPath(paths.APIEndpointEnable, ep.ID), "").want(http.StatusOK).decode(&got)
	if !got.Enabled {
		t.Error("not enabled after enable")
	}

	var sent struct {
		ID         string `json:"id"`
		EndpointID int64  `json:"endpointId"`
	}
	api.post(endpointAPIPath(paths.APIEndpointTest, ep.ID), `{"eventType":"TEST_FINISH"}`).want(http.StatusAccepted).decode(&sent)
	if !strings.HasPrefix(sent.ID, models.MessageIDPrefix) || sent.EndpointID != ep.ID {
		t.Errorf("test event %+v", sent)
	}
	if msg, err := app.store.Message(context.Background(), saved.UserID, sent.ID); err != nil || !msg.Test || msg.EventType != "TEST_FINISH" {
		t.Errorf("stored test message %+v, %v", msg, err)
	}

	var secret, rotated, again apiSecret
	api.get(endpointAPIPath(paths.APIEndpointSecret, ep.ID)).want(http.StatusOK).decode(&secret)
	if secret.Secret != saved.Secret || secret.PreviousSecretExpiresAt != nil {
		t.Errorf("secret %+v", secret)
	}
	api.post(endpointAPIPath(paths.APIEndpointRotate, ep.ID), "").want(http.StatusOK).decode(&rotated)
	if rotated.Secret == secret.Secret || rotated.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotated %+v", rotated)
	}
	if d := time.Until(*rotated.PreviousSecretExpiresAt); d < catalog.SecretOverlap-time.Minute || d > catalog.SecretOverlap {
		t.Errorf("the previous secret signs for %v more, want %v", d, catalog.SecretOverlap)
	}
	api.get(endpointAPIPath(paths.APIEndpointSecret, ep.ID)).want(http.StatusOK).decode(&again)
	if again.Secret != rotated.Secret || again.PreviousSecretExpiresAt == nil {
		t.Errorf("after rotation the secret is %+v", again)
	}
	if saved, _ = app.store.Endpoint(context.Background(), saved.UserID, ep.ID); saved.PreviousSecret != secret.Secret {
		t.Error("the previous secret is not kept signing")
	}

	api.do(http.MethodDelete, endpointAPIPath(paths.APIEndpoint, ep.ID), "").want(http.StatusNoContent)
	api.get(endpointAPIPath(paths.APIEndpoint, ep.ID)).want(http.StatusNotFound)
	if n := app.count("messages"); n != 0 {
		t.Errorf("%d messages left after delete", n)
	}
}

// userIDOf is the id of the user with email.
func (a *testApp) userIDOf(email string) int64 { return a.user(email).ID }

// The API refuses with the form's rules and words, field by field, and
// saves nothing of a refused request.
func TestAPIEndpointValidation(t *testing.T) {
	app := newTestApp(t)
	userID, api := app.apiUser("rules@example.com")
	// The form's own messages, for the same input.
	form := forms.EndpointForm{URL: "ftp://example.com", Events: nil, Headers: []forms.HeaderRow{{Name: "Host", Value: "x"}}}
	formErrs := form.Validate()

	tests := []struct {
		name       string
		method     string
		body       string
		status     int
		wantFields map[string]string
	}{
		{"the form's rules and words", http.MethodPost, `{"url":"ftp://example.com","events":[],"headers":[{"name":"Host","value":"x"}]}`, http.StatusUnprocessableEntity,
			map[string]string{"url": formErrs.URL, "events": formErrs.Events, "headers[0].name": formErrs.Rows[0].Name}},
		{"host policy", http.MethodPost, `{"url":"http://127.0.0.1:9/hook","events":["TEST_STARTED"]}`, http.StatusUnprocessableEntity, nil},
		{"unknown event", http.MethodPost, `{"url":"https://93.184.215.14/h","events":["TEST_EXPLODED"]}`, http.StatusUnprocessableEntity,
			map[string]string{"events": `Unknown event type "TEST_EXPLODED".`}},
		{"too many headers", http.MethodPost, `{"url":"https://93.184.215.14/h","events":["TEST_STARTED"],"headers":[` + manyHeaders(forms.MaxHeaders+1) + `]}`,
			http.StatusUnprocessableEntity, map[string]string{"headers": "Use at most " + strconv.Itoa(forms.MaxHeaders) + " headers."}},
		{"not JSON", http.MethodPost, `{"url":`, http.StatusBadRequest, nil},
		{"unknown key", http.MethodPost, `{"secret":"whsec_x"}`, http.StatusBadRequest,
			map[string]string{"secret": "Unknown field: an endpoint has url, description, headers, events and enabled."}},
		{"wrong type", http.MethodPost, `{"enabled":"yes"}`, http.StatusBadRequest,
			map[string]string{"enabled": "Use a JSON boolean (true or false) here, not a string."}},
		{"too large", http.MethodPost, `{"description":"` + strings.Repeat("x", maxAPIBody) + `"}`, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.t = t
			res := api.do(tt.method, paths.APIEndpoints, tt.body).want(tt.status)
			e := res.apiErr()
			for k, want := range tt.wantFields {
				if e.Fields[k] != want {
					t.Errorf("fields[%q] = %q, want %q (all: %v)", k, e.Fields[k], want, e.Fields)
				}
			}
			if tt.name == "host policy" && e.Fields["url"] == "" {
				t.Errorf("no url field in %v", e.Fields)
			}
		})
	}
	api.t = t
	if n := app.count("endpoints"); n != 0 {
		t.Fatalf("%d endpoints saved by refused requests", n)
	}

	// An update with one bad field changes nothing.
	var ep apiEndpoint
	api.post(paths.APIEndpoints, validEndpointJSON).want(http.StatusCreated).decode(&ep)
	api.do(http.MethodPatch, endpointAPIPath(paths.APIEndpoint, ep.ID), `{"description":"New","url":"javascript:alert(1)"}`).want(http.StatusUnprocessableEntity)
	saved, _ := app.store.Endpoint(context.Background(), userID, ep.ID)
	if saved.Description != "Checkout relay" || saved.URL != ep.URL {
		t.Errorf("half-saved: %q %q", saved.Description, saved.URL)
	}
	api.post(endpointAPIPath(paths.APIEndpointTest, ep.ID), `{"eventType":"NOPE"}`).want(http.StatusUnprocessableEntity)
	api.post(endpointAPIPath(paths.APIEndpointTest, ep.ID), `{"type":"TEST_STARTED"}`).want(http.StatusBadRequest)

	// The account's cap is a 409 with the form's words.
	for range models.MaxEndpointsPerUser - 1 {
		app.seedEndpoint(userID, "https://93.184.215.14/more")
	}
	res := api.post(paths.APIEndpoints, validEndpointJSON).want(http.StatusConflict)
	if e := res.apiErr(); e.Error != msgTooManyEndpoints {
		t.Errorf("error %q", e.Error)
	}
}

func manyHeaders(n int) string {
	var rows []string
	for i := range n {
		rows = append(rows, fmt.Sprintf(`{"name":"X-H%d","value":"v"}`, i))
	}
	return strings.Join(rows, ",")
}

// Another user's ids answer 404 on every route that takes one, exactly as
// ids that do not exist; lists show only the caller's own.
func TestAPIOwnerScoping(t *testing.T) {
	app := newTestApp(t)
	aliceID, alice := app.apiUser("alice@example.com")
	_, bob := app.apiUser("bob@example.com")
	epID := app.seedEndpoint(aliceID, "https://93.184.215.14/alice")
	msg := app.seedMessage(aliceID, epID, seedMsg{state: models.StateFailed, attempts: 4})

	var list apiEndpointList
	bob.get(paths.APIEndpoints).want(http.StatusOK).decode(&list)
	if len(list.Data) != 0 {
		t.Errorf("bob sees %v", list.Data)
	}
	for _, r := range app.server.routes() {
		if !strings.HasPrefix(r.path, paths.APIPrefix) || r.path == paths.Events || r.path == paths.APIEndpoints || r.path == paths.OpenAPI {
			continue
		}
		var link, body string
		switch {
		case strings.Contains(r.path, ":"+paths.ParamID):
			link = paths.WithID(r.path, epID)
		case strings.Contains(r.path, ":"+paths.ParamMessageID):
			link = paths.WithMessageID(r.path, msg.ID)
		default:
			t.Errorf("%s %s takes no id: cover it here", r.method, r.path)
			continue
		}
		switch r.path {
		case paths.APIEndpoint:
			body = `{"description":"bob was here"}`
		case paths.APIEndpointTest:
			body = `{"eventType":"TEST_STARTED"}`
		case paths.APIEndpointResendFailed:
			body = `{"range":"24h"}`
		}
		bob.do(r.method, link, body).want(http.StatusNotFound)
	}
	// Alice's endpoint and message are untouched.
	alice.get(endpointAPIPath(paths.APIEndpoint, epID)).want(http.StatusOK)
	var d apiMessageDetail
	alice.get(paths.WithMessageID(paths.APIMessage, msg.ID)).want(http.StatusOK).decode(&d)
	if d.State != models.StateFailed {
		t.Errorf("alice's message is %s", d.State)
	}
}

// An events token reaches only the event API; a manage token reaches all.
func TestAPITokenScopes(t *testing.T) {
	app := newTestApp(t)
	u, err := app.store.CreateUser(context.Background(), "scopes@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	events := app.api(app.newToken(u.ID, catalog.ScopeEvents))
	manage := app.api(app.newToken(u.ID, catalog.ScopeManage))
	anonymous := app.api("")
	epID := app.seedEndpoint(u.ID, "https://93.184.215.14/scopes")
	for _, r := range app.server.routes() {
		if !strings.HasPrefix(r.path, paths.APIPrefix) || r.path == paths.Events || r.path == paths.OpenAPI {
			continue
		}
		link := r.path
		if strings.Contains(link, ":"+paths.ParamID) {
			link = paths.WithID(link, epID)
		} else if strings.Contains(link, ":"+paths.ParamMessageID) {
			link = paths.WithMessageID(link, "msg_x")
		}
		res := events.do(r.method, link, "").want(http.StatusForbidden)
		if e := res.apiErr(); !strings.Contains(e.Error, `"manage" scope`) || e.Fields["scope"] == "" {
			t.Errorf("%s %s: error %+v", r.method, link, e)
		}
		if h := res.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) {
			t.Errorf("%s %s: WWW-Authenticate %q", r.method, link, h)
		}
		anonymous.do(r.method, link, "").want(http.StatusUnauthorized)
	}
	for _, caller := range []*apiCaller{events, manage} {
		caller.post(paths.Events, `{"eventType":"PROJECT_CREATED","projectName":"Shop"}`).want(http.StatusAccepted)
	}
	manage.get(paths.APIEndpoints).want(http.StatusOK)
	if n := app.count("endpoints"); n != 1 {
		t.Errorf("%d endpoints", n)
	}
}
