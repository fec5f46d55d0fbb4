package webhook

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// TestTrySendsOnceAndStoresNothing tries URLs the way the endpoint form
// does: one attempt through the real sender, signed with the saved
// endpoint's secrets or a one-time secret, never retried, and nothing in the
// database. The engine is not even started: a trial needs no queue.
func TestTrySendsOnceAndStoresNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		allowed string
		status  int
		// saved tries as the edit page does: the endpoint's own secrets,
		// rotated when set.
		saved, rotated bool
		wantArrivals   int
		wantClass      string
	}{
		{name: "new endpoint, one-time secret", allowed: "loopback", status: http.StatusNoContent, wantArrivals: 1},
		{name: "saved endpoint, its secret", allowed: "loopback", status: http.StatusOK, saved: true, wantArrivals: 1},
		{name: "saved endpoint during a rotation, both secrets", allowed: "loopback", status: http.StatusOK, saved: true, rotated: true, wantArrivals: 1},
		{name: "failing receiver, not retried", allowed: "loopback", status: http.StatusInternalServerError, wantArrivals: 1, wantClass: ClassHTTPStatus},
		{name: "blocked address, never dialed", allowed: "external", status: http.StatusOK, wantArrivals: 0, wantClass: ClassBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newIdleEngine(t, tc.allowed, Config{})
			rec := &receiver{statuses: []int{tc.status}}
			url := serve(t, rec).URL + "/hooks"
			trial := Trial{URL: url, EventType: "TEST_FINISH", Headers: []catalog.Header{{Name: "X-Team", Value: "perf"}}}
			var signers []string
			if tc.saved {
				ep := e.addEndpoint(t, "https://old.example/hooks")
				signers = []string{ep.Secret}
				if tc.rotated {
					until := time.Now().Add(catalog.SecretOverlap)
					ep.PreviousSecret, ep.PreviousSecretUntil, ep.Secret = ep.Secret, &until, catalog.GenerateSecret()
					signers = append(signers, ep.Secret)
				}
				trial.Endpoint = ep
			}

			res, err := e.svc.Try(t.Context(), trial)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome.ErrorClass != tc.wantClass {
				t.Errorf("error class %q (%s), want %q", res.Outcome.ErrorClass, res.Outcome.ErrorDetail, tc.wantClass)
			}
			if tc.saved != (res.OneTimeSecret == "") {
				t.Errorf("one-time secret %q for a saved=%v endpoint", res.OneTimeSecret, tc.saved)
			}
			if !tc.saved {
				signers = []string{res.OneTimeSecret}
			}
			got := rec.got()
			if len(got) != tc.wantArrivals {
				t.Fatalf("receiver saw %d requests, want %d", len(got), tc.wantArrivals)
			}
			if tc.wantArrivals > 0 {
				a := got[0]
				for _, secret := range signers {
					wh, err := standardwebhooks.NewWebhook(secret)
					if err != nil {
						t.Fatal(err)
					}
					if err := wh.Verify(a.body, a.header); err != nil {
						t.Errorf("verify the trial with %s…: %v", secret[:10], err)
					}
				}
				if id := a.header.Get("webhook-id"); id != res.MessageID || !models.IsID(id, models.MessageIDPrefix) {
					t.Errorf("webhook-id %q, result says %q", id, res.MessageID)
				}
				if a.header.Get("X-Team") != "perf" {
					t.Errorf("custom header X-Team = %q", a.header.Get("X-Team"))
				}
				var payload struct {
					EventType string `json:"eventType"`
				}
				if err := json.Unmarshal(a.body, &payload); err != nil || payload.EventType != "TEST_FINISH" {
					t.Errorf("payload %s: %v", a.body, err)
				}
			}
			if tc.wantClass == ClassBlocked && !strings.Contains(res.Outcome.ErrorDetail, "loopback") {
				t.Errorf("blocked detail %q does not say why", res.Outcome.ErrorDetail)
			}
			for name, rows := range map[string]any{"events": &models.Event{}, "messages": &models.Message{}, "attempts": &models.Attempt{}} {
				var n int64
				if err := e.db.Model(rows).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("%d %s after a trial, want none", n, name)
				}
			}
			var jobs int64
			if err := e.db.Table("river_job").Count(&jobs).Error; err != nil || jobs != 0 {
				t.Errorf("%d queue jobs after a trial (%v), want none", jobs, err)
			}
		})
	}
}

func TestTryRefusesAnUnknownEventType(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	rec := &receiver{}
	if _, err := e.svc.Try(t.Context(), Trial{URL: serve(t, rec).URL, EventType: "TEST_PAUSED"}); err == nil {
		t.Fatal("an unknown event type was tried")
	}
	if n := len(rec.got()); n != 0 {
		t.Fatalf("receiver saw %d requests", n)
	}
}
