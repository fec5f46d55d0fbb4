package webhook

import (
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/models"
)

func TestHandoffUsable(t *testing.T) {
	tests := []struct {
		name        string
		attemptedBy []string
		want        bool
	}{
		{"first run", []string{"here"}, true},
		{"no client recorded", nil, true},
		{"ran elsewhere first", []string{"elsewhere", "here"}, false},
		{"ran here before", []string{"here", "here"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handoffUsable(&rivertype.JobRow{AttemptedBy: tt.attemptedBy}); got != tt.want {
				t.Fatalf("handoffUsable(AttemptedBy %v) = %v, want %v", tt.attemptedBy, got, tt.want)
			}
		})
	}
}

// A job whose first attempt was made by another instance must not use the
// publish-time copy this instance still holds: the database says the message
// is finished, and no second attempt is made.
func TestStaleHandoffAfterAnotherInstance(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	// The copy the publish left in the handoff; then "another instance"
	// delivers the message and records it as done.
	stale := e.svc.handoff.take(msg.ID)
	if stale == nil {
		t.Fatal("the publish left no copy in the handoff")
	}
	done := stale.Message
	done.State, done.Attempts = models.StateSucceeded, 1
	if err := e.store.SaveMessageState(t.Context(), &done); err != nil {
		t.Fatal(err)
	}
	e.svc.handoff.put([]models.Delivery{*stale})

	w := &deliverWorker{s: e.svc}
	job := &river.Job[DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: 1, AttemptedBy: []string{"other-instance", "this-instance"}}, Args: DeliverArgs{MessageID: msg.ID}}
	if err := w.Work(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.got()); n != 0 {
		t.Fatalf("the receiver got %d requests: the stale copy was used", n)
	}
}

// Pins what handoffUsable relies on: River lists the client that works a
// job in its AttemptedBy.
func TestRiverRecordsTheClientThatWorkedAJob(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	ep := e.addEndpoint(t, serve(t, &receiver{}).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, msg.ID, 5*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("message %s, want succeeded", final.State)
	}
	// A redelivery is a job River works, on SQLite as on Postgres (a first
	// attempt on SQLite starts at the commit: direct.go).
	if err := e.svc.Redeliver(t.Context(), e.userID, msg.ID); err != nil {
		t.Fatal(err)
	}
	// River marks the job completed a moment after the worker returns.
	var res *river.JobListResult
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err = e.svc.river.JobList(t.Context(), river.NewJobListParams().Kinds(DeliverArgs{}.Kind()).States(rivertype.JobStateCompleted))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(res.Jobs) != 1 || !slices.Equal(res.Jobs[0].AttemptedBy, []string{e.svc.river.ID()}) {
		var got [][]string
		for _, j := range res.Jobs {
			got = append(got, j.AttemptedBy)
		}
		t.Fatalf("completed jobs' AttemptedBy = %v, want one job worked by [%s]", got, e.svc.river.ID())
	}
}
