package webhook

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// seedFailed stores an event and a failed message of ep created at, as the
// engine leaves a message that used its four attempts.
func (e *testEngine) seedFailed(t *testing.T, ep *models.Endpoint, at time.Time) models.Message {
	t.Helper()
	in, err := catalog.SampleEvent("TEST_STARTED", "https://loadhook.example", at)
	if err != nil {
		t.Fatal(err)
	}
	body, err := catalog.BuildPayload(catalog.DefaultSource, in)
	if err != nil {
		t.Fatal(err)
	}
	ev := models.Event{ID: models.NewIDAt(models.EventIDPrefix, at), UserID: e.userID, Type: in.Type, Payload: body, CreatedAt: at}
	msg := models.Message{ID: models.NewIDAt(models.MessageIDPrefix, at), EventID: ev.ID, EndpointID: ep.ID, UserID: e.userID,
		EventType: in.Type, State: models.StateFailed, Attempts: MaxAttempts, MaxAttempts: MaxAttempts,
		LastStatus: 500, LastErrorClass: ClassHTTPStatus, CreatedAt: at, UpdatedAt: at}
	if err := e.db.Create(&ev).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Create(&msg).Error; err != nil {
		t.Fatal(err)
	}
	return msg
}

// failingFor makes an endpoint that has failed every message for the last
// 30 hours: three failed messages, 30, 20 and 10 hours old.
func (e *testEngine) failingFor(t *testing.T, url string) (*models.Endpoint, []models.Message) {
	t.Helper()
	ep := e.addEndpoint(t, url)
	if err := e.db.Model(ep).Update("created_at", time.Now().Add(-48*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	var msgs []models.Message
	for _, age := range []time.Duration{30 * time.Hour, 20 * time.Hour, 10 * time.Hour} {
		msgs = append(msgs, e.seedFailed(t, ep, time.Now().Add(-age).UTC()))
	}
	return ep, msgs
}

// The decision, made on a final failure: the streak must be long enough
// in time and in messages, and the setting on.
func TestAutoDisableDecision(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		cfg          Config
		wantDisabled bool
	}{
		{"failing for a day", Config{AutoDisableMinMessages: 3}, true},
		{"too few messages", Config{AutoDisableMinMessages: 4}, false},
		{"not for long enough", Config{AutoDisableAfter: 31 * time.Hour, AutoDisableMinMessages: 3}, false},
		{"turned off", Config{AutoDisableAfter: -1, AutoDisableMinMessages: 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newIdleEngine(t, "loopback", tc.cfg)
			ep, msgs := e.failingFor(t, "http://127.0.0.1:1/hook")
			e.svc.afterFinalFailure(t.Context(), &msgs[2])
			after, err := e.store.Endpoint(t.Context(), e.userID, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Enabled == tc.wantDisabled {
				t.Fatalf("enabled = %v after the final failure, want %v (reason %q)", after.Enabled, !tc.wantDisabled, after.DisabledReason)
			}
		})
	}
}

// End to end: the final failure of a real attempt turns the endpoint off,
// saying why and since when.
func TestAutoDisableAfterSustainedFailure(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{AutoDisableMinMessages: 3})
	rec := &receiver{statuses: []int{500}}
	ep, msgs := e.failingFor(t, serve(t, rec).URL)
	// A redelivery is one more attempt: it fails, and is final.
	if err := e.svc.Redeliver(t.Context(), e.userID, msgs[2].ID); err != nil {
		t.Fatal(err)
	}
	// The check follows the record of the final failure.
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err := e.store.Endpoint(t.Context(), e.userID, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !after.Enabled {
			if !strings.Contains(after.DisabledReason, "every message to it failed for more than 24 hours") ||
				!strings.Contains(after.DisabledReason, "500 Internal Server Error") || after.DisabledAt == nil {
				t.Errorf("reason %q, disabled at %v", after.DisabledReason, after.DisabledAt)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still enabled after the final failure; the receiver saw %d attempts", len(rec.got()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Enable and replay sends the streak's failed messages again with their
// ids, and the events that arrived while the endpoint was off as new ones.
func TestReenableAndReplay(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{AutoDisableMinMessages: 3})
	rec := &receiver{statuses: []int{http.StatusOK}}
	ep, msgs := e.failingFor(t, serve(t, rec).URL)
	reason := AutoDisableReason(DefaultAutoDisableAfter, msgs[0].CreatedAt, "the receiver answered 500 Internal Server Error")
	if done, err := e.store.AutoDisableEndpoint(t.Context(), ep.ID, reason, msgs[0].CreatedAt, time.Now()); err != nil || !done {
		t.Fatalf("disable = %v, %v", done, err)
	}
	// An event while it is off is not queued for it.
	pub, err := e.svc.Publish(t.Context(), e.userID, catalog.EventInput{Type: "PROJECT_CREATED", ProjectName: "Missed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Messages) != 0 {
		t.Fatalf("an event was queued for a disabled endpoint: %+v", pub.Messages)
	}

	got, err := e.svc.ReenableAndReplay(t.Context(), e.userID, ep.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got != (Replayed{Messages: 3, Missed: 1}) {
		t.Fatalf("replayed %+v, want the 3 failed messages and 1 missed event", got)
	}
	for _, m := range msgs {
		if final := e.waitMessage(t, m.ID, 5*time.Second); final.State != models.StateSucceeded {
			t.Errorf("replayed %s ended %s", m.ID, final.State)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.got()) < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ids := map[string]bool{}
	for _, a := range rec.got() {
		ids[a.header.Get("webhook-id")] = true
	}
	for _, m := range msgs {
		if !ids[m.ID] {
			t.Errorf("the receiver never saw %s again; it saw %v", m.ID, ids)
		}
	}
	if len(ids) != 4 {
		t.Errorf("the receiver saw %d messages, want 3 replayed and 1 missed", len(ids))
	}
	after, err := e.store.Endpoint(t.Context(), e.userID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Enabled || after.DisabledReason != "" || after.DisabledAt != nil || after.EnabledAt == nil {
		t.Errorf("after the replay: enabled %v, reason %q, disabled at %v, enabled at %v", after.Enabled, after.DisabledReason, after.DisabledAt, after.EnabledAt)
	}
}
