package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/internal/teststore"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// apiFixture is a running app with one user, one API token and endpoints.
type apiFixture struct {
	handler http.Handler
	store   *models.Store
	token   string
	userID  int64
	// dsn names the database (a SQLite path or a Postgres URL); db is the
	// test's handle on its rows.
	dsn string
	db  *gorm.DB
}

func newAPIFixture(t *testing.T, opts ...models.Option) *apiFixture {
	t.Helper()
	dsn := testdb.DSN(t, os.Getenv)
	store, db := teststore.Open(t, dsn, opts...)
	policy, _ := hostguard.ParseAllowedHosts("loopback")
	log := slog.New(slog.DiscardHandler)
	// The engine is built but not started: these tests look at what is stored.
	hooks, err := webhook.NewService(t.Context(), store, policy, nil, webhook.Config{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateUser(t.Context(), "api@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	row, token := models.NewAPIToken(u.ID, "ci")
	if err := store.CreateAPIToken(t.Context(), row); err != nil {
		t.Fatal(err)
	}
	srv := New(Config{BaseURL: "http://127.0.0.1", SessionKey: make([]byte, 64)}, store, hooks, log)
	return &apiFixture{handler: srv.Routes(), store: store, token: token, userID: u.ID, dsn: dsn, db: db}
}

func (f *apiFixture) addEndpoint(t *testing.T, events string, enabled bool) int64 {
	t.Helper()
	ep := &models.Endpoint{UserID: f.userID, URL: "http://127.0.0.1:9/hook", Events: events, Enabled: enabled, Secret: catalog.GenerateSecret()}
	if err := f.store.CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	return ep.ID
}

func (f *apiFixture) post(t *testing.T, auth, body string) *httptest.ResponseRecorder {
	t.Helper()
	return f.postKeyed(t, auth, "", body)
}

// postKeyed posts an event with auth as its Authorization and key as its
// Idempotency-Key, each left out when "".
func (f *apiFixture) postKeyed(t *testing.T, auth, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if key != "" {
		req.Header.Set(idempotencyKeyHeader, key)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func (f *apiFixture) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := f.db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

const startedBody = `{"eventType":"TEST_STARTED","metadata":{"testRunId":"42","maxUser":100,"duration":"300","watchLive":"https://app.example/live/42"}}`

func TestCreateEventFansOutToSubscribedEnabledEndpoints(t *testing.T) {
	f := newAPIFixture(t)
	sub := f.addEndpoint(t, "TEST_STARTED,TEST_FINISH", true)
	f.addEndpoint(t, "TEST_FINISH", true)   // not subscribed
	f.addEndpoint(t, "TEST_STARTED", false) // disabled
	sub2 := f.addEndpoint(t, "TEST_STARTED", true)

	rec := f.post(t, "Bearer "+f.token, startedBody)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp struct {
		ID       string `json:"id"`
		Messages []struct {
			ID         string `json:"id"`
			EndpointID int64  `json:"endpointId"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.ID, "evt_") || len(resp.Messages) != 2 {
		t.Fatalf("response %s", rec.Body)
	}
	got := map[int64]bool{}
	for _, m := range resp.Messages {
		if !strings.HasPrefix(m.ID, "msg_") {
			t.Errorf("message id %q", m.ID)
		}
		got[m.EndpointID] = true
	}
	if !got[sub] || !got[sub2] {
		t.Fatalf("messages went to %v, want endpoints %d and %d", got, sub, sub2)
	}
	// Each message is in a durable queue job, committed with it.
	column := "args::text" // River's SQLite tables hold args as JSONB
	if testdb.IsSQLite(f.dsn) {
		column = "json(args)"
	}
	var args []string
	if err := f.db.Table("river_job").Pluck(column, &args).Error; err != nil {
		t.Fatal(err)
	}
	queued := map[string]int{}
	for _, a := range args {
		var job struct {
			MessageIDs []string `json:"message_ids"`
		}
		if err := json.Unmarshal([]byte(a), &job); err != nil {
			t.Fatalf("queue job args %s: %v", a, err)
		}
		for _, id := range job.MessageIDs {
			queued[id]++
		}
	}
	if len(queued) != 2 || queued[resp.Messages[0].ID] != 1 || queued[resp.Messages[1].ID] != 1 {
		t.Fatalf("queue jobs hold messages %v, want each of the 2 once", queued)
	}
	var ev models.Event
	if err := f.db.Take(&ev, "id = ?", resp.ID).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ev.Payload), `"maxUser":"100"`) {
		t.Fatalf("number metadata not turned into a string: %s", ev.Payload)
	}
}

func TestCreateEventRejections(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "TEST_STARTED,PROJECT_CREATED", true)
	tests := []struct {
		name, auth, body string
		status           int
		field            string
	}{
		{"no token", "", startedBody, 401, ""},
		{"wrong scheme", "Basic " + f.token, startedBody, 401, ""},
		{"unknown token", "Bearer lh_" + strings.Repeat("b", 43), startedBody, 401, ""},
		{"malformed json", "Bearer " + f.token, `{"eventType":`, 400, ""},
		{"unknown type", "Bearer " + f.token, `{"eventType":"TEST_EXPLODED","metadata":{}}`, 422, "eventType"},
		{"missing metadata", "Bearer " + f.token, `{"eventType":"TEST_STARTED"}`, 422, "metadata"},
		{"missing key", "Bearer " + f.token, `{"eventType":"TEST_STARTED","metadata":{"testRunId":"1","maxUser":"1","duration":"1"}}`, 422, "metadata"},
		{"unknown key", "Bearer " + f.token, `{"eventType":"TEST_STARTED","metadata":{"testRunId":"1","maxUser":"1","duration":"1","watchLive":"x","extra":"y"}}`, 422, "metadata"},
		{"object value", "Bearer " + f.token, `{"eventType":"TEST_STARTED","metadata":{"testRunId":{"a":1},"maxUser":"1","duration":"1","watchLive":"x"}}`, 422, ""},
		{"project without name", "Bearer " + f.token, `{"eventType":"PROJECT_CREATED"}`, 422, "projectName"},
		{"bad severity", "Bearer " + f.token, `{"eventType":"PROJECT_CREATED","projectName":"P","severity":"fatal"}`, 422, "severity"},
		{"bad timestamp", "Bearer " + f.token, `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"yesterday"}`, 422, "timestamp"},
		{"too large", "Bearer " + f.token, `{"eventType":"PROJECT_CREATED","projectName":"` + strings.Repeat("x", 70<<10) + `"}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.post(t, tt.auth, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			var body apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
				t.Fatalf("want a JSON error, got %q", rec.Body)
			}
			if tt.field != "" && body.Fields[tt.field] == "" {
				t.Fatalf("want fields[%q] set, got %v", tt.field, body.Fields)
			}
		})
	}
	for _, table := range []string{"events", "messages", "river_job"} {
		if n := f.count(t, table); n != 0 {
			t.Errorf("%d rows in %s after rejected requests, want 0", n, table)
		}
	}
}

// A database that cannot take the event (here a SQLite file locked by another
// process past the busy timeout) is a 503 with Retry-After and a JSON error,
// and nothing is stored; once the lock is gone the same request is accepted.
func TestCreateEventDatabaseUnavailable(t *testing.T) {
	// Writers give up on the lock after 100 ms instead of 5 s.
	f := newAPIFixture(t, models.BusyTimeout(100*time.Millisecond))
	if !testdb.IsSQLite(f.dsn) {
		t.Skip("the lock under test is SQLite's file lock")
	}
	f.addEndpoint(t, "TEST_STARTED", true)
	// The first request looks the token up (and notes its use) before the
	// lock; the ones under test find it cached.
	if rec := f.post(t, "Bearer "+f.token, startedBody); rec.Code != http.StatusAccepted {
		t.Fatalf("status %d before the lock: %s", rec.Code, rec.Body)
	}
	release := testdb.LockSQLite(t, f.dsn)
	rec := f.post(t, "Bearer "+f.token, startedBody)
	release()
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d with the database locked, want 503: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	var body apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.Contains(body.Error, "nothing was accepted") {
		t.Errorf("want a JSON error saying nothing was accepted, got %q", rec.Body)
	}
	if n := f.count(t, "events"); n != 1 {
		t.Errorf("%d events stored, want only the one accepted before the lock", n)
	}
	if rec := f.post(t, "Bearer "+f.token, startedBody); rec.Code != http.StatusAccepted {
		t.Fatalf("status %d after the lock: %s", rec.Code, rec.Body)
	}
}

func TestCreateEventIsScopedToTheTokensOwner(t *testing.T) {
	f := newAPIFixture(t)
	other, err := f.store.CreateUser(t.Context(), "other@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	ep := &models.Endpoint{UserID: other.ID, URL: "http://127.0.0.1:9/", Events: "TEST_STARTED", Enabled: true, Secret: catalog.GenerateSecret()}
	if err := f.store.CreateEndpoint(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	rec := f.post(t, "Bearer "+f.token, startedBody)
	if rec.Code != http.StatusAccepted || strings.Contains(rec.Body.String(), "endpointId") {
		t.Fatalf("status %d body %s: another user's endpoint must not receive this user's event", rec.Code, rec.Body)
	}
	if n := f.count(t, "messages"); n != 0 {
		t.Fatalf("%d messages, want 0", n)
	}
}

// The API stores, and so sends, exactly the bytes of SPEC.md for every type:
// the same golden files the engine's sample events are checked against.
func TestCreateEventPayloadGolden(t *testing.T) {
	f := newAPIFixture(t)
	var all []string
	for _, et := range catalog.EventTypes() {
		all = append(all, et.Name)
	}
	f.addEndpoint(t, strings.Join(all, ","), true)
	fixed := time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)
	for _, et := range catalog.EventTypes() {
		t.Run(et.Name, func(t *testing.T) {
			sample, err := catalog.SampleEvent(et.Name, "https://loadhook.example", fixed)
			if err != nil {
				t.Fatal(err)
			}
			req := map[string]any{"eventType": et.Name, "timestamp": "2025-07-03T14:30:00"}
			if et.IsProject() {
				req["projectName"] = sample.ProjectName
			} else {
				req["metadata"] = sample.Metadata
			}
			body, _ := json.Marshal(req)
			rec := f.post(t, "Bearer "+f.token, string(body))
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var resp struct{ ID string }
			json.Unmarshal(rec.Body.Bytes(), &resp)
			var ev models.Event
			if err := f.db.Take(&ev, "id = ?", resp.ID).Error; err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("..", "catalog", "testdata", "payload_"+et.Name+".golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			if string(ev.Payload) != strings.TrimRight(string(want), "\n") {
				t.Fatalf("stored payload\n%s\nwant\n%s", ev.Payload, want)
			}
		})
	}
}
