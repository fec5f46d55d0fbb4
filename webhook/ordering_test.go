package webhook

import (
	"net/http"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/internal/testreceiver"
	"github.com/loadhook/loadhook/models"
)

// failingRun is a receiver that answers 500 to the first two attempts of
// TEST_STARTED of test run run and holds the second until gate closes; every
// other request gets 200.
func failingRun(run string, gate <-chan struct{}) *testreceiver.Receiver {
	return testreceiver.New(func(d testreceiver.Delivery, earlier int) int {
		if d.EventType != "TEST_STARTED" || d.Run != run || earlier >= 2 {
			return http.StatusOK
		}
		if earlier == 1 {
			<-gate
		}
		return http.StatusInternalServerError
	})
}

// TestOrderedPerTestRun: TEST_FINISH, posted right after TEST_STARTED of
// the same run, reaches the endpoint only once TEST_STARTED succeeded on
// its third attempt, and gets all its attempts from then on; meanwhile
// another run and an event without a testRunId go to the same endpoint at
// once.
func TestOrderedPerTestRun(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	gate := make(chan struct{})
	rec := failingRun("run-1", gate)
	e.addEndpoint(t, serve(t, rec).URL+"/hook")
	publish := func(eventType, run string) string {
		t.Helper()
		in, err := catalog.SampleEvent(eventType, "https://loadhook.example", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if run != "" {
			in.Metadata[catalog.TestRunKey] = run
		}
		pub, err := e.svc.Publish(t.Context(), e.userID, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Messages) != 1 {
			t.Fatalf("%s went to %d endpoints, want 1", eventType, len(pub.Messages))
		}
		return pub.Messages[0].ID
	}

	started := publish("TEST_STARTED", "run-1")
	finish := publish("TEST_FINISH", "run-1")

	// TEST_FINISH waits, naming the message it waits for.
	msg, err := e.store.Message(t.Context(), e.userID, finish)
	if err != nil {
		t.Fatal(err)
	}
	if msg.State != models.StateWaiting || msg.WaitingFor != started || msg.NextAttemptAt != nil {
		t.Fatalf("TEST_FINISH of the same run: state %s waiting for %q, due %v; want waiting for %s", msg.State, msg.WaitingFor, msg.NextAttemptAt, started)
	}

	// While TEST_STARTED's second attempt is held at the receiver, another
	// run and an event without a testRunId are delivered.
	other := publish("TEST_STARTED", "run-2")
	project := publish("PROJECT_CREATED", "")
	rec.WaitFor(t, other)
	rec.WaitFor(t, project)
	if m, _ := e.store.Message(t.Context(), e.userID, finish); m.State != models.StateWaiting {
		t.Fatalf("TEST_FINISH is %s while TEST_STARTED is still retrying", m.State)
	}
	close(gate)

	for _, id := range []string{started, finish, other, project} {
		if m := e.waitMessage(t, id, 20*time.Second); m.State != models.StateSucceeded {
			t.Fatalf("message %s ended %s after %d attempts", id, m.State, m.Attempts)
		}
	}
	got := rec.Arrivals()
	var startedOK, finishFirst = -1, -1
	for i, a := range got {
		if a.MessageID == started && a.Status == http.StatusOK {
			startedOK = i
		}
		if a.MessageID == finish && finishFirst < 0 {
			finishFirst = i
		}
	}
	if startedOK < 0 || finishFirst < startedOK {
		t.Fatalf("TEST_FINISH arrived at %d, TEST_STARTED succeeded at %d; arrivals: %+v", finishFirst, startedOK, got)
	}
	// Held time counts nothing: TEST_FINISH's first attempt is attempt 1.
	attempts := e.attempts(t, finish)
	if len(attempts) != 1 || attempts[0].Number != 1 {
		t.Fatalf("TEST_FINISH attempts: %+v, want one, numbered 1", attempts)
	}
	if st := e.attempts(t, started); len(st) != 3 || attempts[0].StartedAt.Before(st[2].StartedAt) {
		t.Fatalf("TEST_STARTED made %d attempts; TEST_FINISH started at %v", len(st), attempts[0].StartedAt)
	}
}

// A message stopped without an attempt (its endpoint disabled) is final
// too: the message waiting for it is released, and stopped in turn, not
// left waiting.
func TestStoppedMessageReleasesItsRun(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{statuses: []int{500}}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	var ids []string
	for _, typ := range []string{"TEST_STARTED", "TEST_FAILED"} {
		in, err := catalog.SampleEvent(typ, "https://loadhook.example", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		pub, err := e.svc.Publish(t.Context(), e.userID, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pub.Messages[0].ID)
	}
	// The first attempt failed; the second finds the endpoint disabled.
	for len(rec.got()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := e.store.SetEndpointEnabled(t.Context(), e.userID, ep.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if m := e.waitMessage(t, id, 10*time.Second); m.State != models.StateFailed || m.LastErrorClass != ClassDisabled {
			t.Fatalf("message %s: %s (last %q), want failed as disabled", id, m.State, m.LastErrorClass)
		}
	}
	if n := len(rec.got()); n != 1 {
		t.Fatalf("receiver saw %d requests, want only the first attempt", n)
	}
}

// TestTestEventsAreNotOrdered: test events carry the catalog's sample
// testRunId, the same in every test; they are not a run, so a test event
// whose receiver is failing does not hold back the next one.
func TestTestEventsAreNotOrdered(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	started, err := catalog.SampleEvent("TEST_STARTED", "https://loadhook.example", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	defer close(gate)
	rec := failingRun(started.TestRunID(), gate)
	ep := e.addEndpoint(t, serve(t, rec).URL+"/hook")
	first, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	// Held in its second attempt until the gate closes, at the end.
	second, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_FINISH")
	if err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, second.ID)
	for _, a := range rec.Arrivals() {
		if a.MessageID == first.ID && a.Status == http.StatusOK {
			t.Fatalf("the first test event succeeded before the second arrived: %+v", rec.Arrivals())
		}
	}
	var msg models.Message
	if err := e.db.First(&msg, "id = ?", second.ID).Error; err != nil {
		t.Fatal(err)
	}
	if msg.RunKey != 0 || msg.WaitingFor != "" {
		t.Errorf("test message has run key %d, waiting for %q: want neither", msg.RunKey, msg.WaitingFor)
	}
}
