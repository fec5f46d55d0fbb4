package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

func TestBatchOwns(t *testing.T) {
	created := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := created.Add(d); return &t }
	tests := []struct {
		name string
		msg  models.Message
		want bool
	}{
		{"fresh from the publisher", models.Message{State: models.StatePending, NextAttemptAt: at(0)}, true},
		{"split off", models.Message{State: models.StatePending, NextAttemptAt: at(30 * time.Millisecond)}, false},
		{"attempted, retrying", models.Message{State: models.StateRetrying, Attempts: 1, NextAttemptAt: at(time.Second)}, false},
		{"attempted, then its retry due", models.Message{State: models.StatePending, Attempts: 1, NextAttemptAt: at(0)}, false},
		{"succeeded", models.Message{State: models.StateSucceeded, Attempts: 1}, false},
		{"no next attempt", models.Message{State: models.StatePending}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.msg.CreatedAt = created
			if got := batchOwns(&tt.msg); got != tt.want {
				t.Fatalf("batchOwns = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBatchOutcome(t *testing.T) {
	broken := errors.New("database is locked")
	var snooze *river.JobSnoozeError
	tests := []struct {
		name       string
		errs       []error
		wantNil    bool
		wantSnooze bool
		wantErr    error
	}{
		{"every message done", []error{nil, nil}, true, false, nil},
		{"one cut off by a shutdown", []error{nil, river.JobSnooze(0)}, false, true, nil},
		{"an error wins over a cut-off", []error{river.JobSnooze(0), broken, nil}, false, false, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := batchOutcome(tt.errs)
			switch {
			case tt.wantNil && err != nil:
				t.Fatalf("outcome %v, want done", err)
			case tt.wantSnooze && !errors.As(err, &snooze):
				t.Fatalf("outcome %v, want a snooze", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("outcome %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// A batch job run again (after a crash, or cut off) attempts only the
// messages still its own: not one done, split off, or retried by a job of
// its own.
func TestBatchJobRunAgainAttemptsOnlyWhatItStillOwns(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	var ids []string
	for range 4 {
		msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.ID)
	}
	done, splitOff, retried, cutOff := ids[0], ids[1], ids[2], ids[3]
	load := func(id string) *models.Message {
		t.Helper()
		d, err := e.store.LoadDelivery(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return &d.Message
	}
	msg := load(done)
	msg.State, msg.Attempts, msg.NextAttemptAt = models.StateSucceeded, 1, nil
	if err := e.store.SaveMessageState(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.splitOff(t.Context(), splitOff, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	msg = load(retried)
	past := time.Now().Add(-time.Second)
	msg.State, msg.Attempts, msg.NextAttemptAt = models.StateRetrying, 1, &past
	if err := e.store.SaveMessageState(t.Context(), msg); err != nil {
		t.Fatal(err)
	}

	w := &deliverBatchWorker{s: e.svc}
	job := &river.Job[DeliverBatchArgs]{
		JobRow: &rivertype.JobRow{Attempt: 2, AttemptedBy: []string{"crashed", "here"}, Queue: river.QueueDefault},
		Args:   DeliverBatchArgs{MessageIDs: ids},
	}
	if err := w.Work(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); len(got) != 1 || got[0].header.Get("webhook-id") != cutOff {
		var sent []string
		for _, a := range got {
			sent = append(sent, a.header.Get("webhook-id"))
		}
		t.Fatalf("the run sent %v, want only %s, the one message still the batch's", sent, cutOff)
	}
	if m := load(cutOff); m.State != models.StateSucceeded {
		t.Fatalf("the batch's message is %s, want succeeded", m.State)
	}
	if m := load(splitOff); m.Attempts != 0 || !m.NextAttemptAt.After(m.CreatedAt) {
		t.Fatalf("the split-off message: %d attempts, next at %v (created %v); want none, put off", m.Attempts, m.NextAttemptAt, m.CreatedAt)
	}
	jobs, err := e.svc.river.JobList(t.Context(), river.NewJobListParams().Kinds(DeliverArgs{}.Kind()))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Jobs) != 1 || !slices.Contains(messageIDsOf(t, jobs.Jobs), splitOff) {
		t.Fatalf("single jobs hold %v, want the split-off message's alone", messageIDsOf(t, jobs.Jobs))
	}
}

// A first attempt that fails leaves the batch: its retry is a job of its
// own, queued with the record, and the batch job completes (on SQLite,
// where the batch starts at the commit, it is deleted: direct.go).
func TestBatchRetryGetsAJobOfItsOwn(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{statuses: []int{http.StatusServiceUnavailable, http.StatusOK}}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, msg.ID, 10*time.Second); final.State != models.StateSucceeded || final.Attempts != 2 {
		t.Fatalf("message %s after %d attempts, want succeeded after 2", final.State, final.Attempts)
	}
	if testdb.IsSQLite(e.dsn) {
		waitNoBatchJobs(t, e)
	}
	for _, kind := range []string{DeliverBatchArgs{}.Kind(), DeliverArgs{}.Kind()} {
		if kind == (DeliverBatchArgs{}).Kind() && testdb.IsSQLite(e.dsn) {
			continue
		}
		var jobs *river.JobListResult
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			jobs, err = e.svc.river.JobList(t.Context(), river.NewJobListParams().Kinds(kind).States(rivertype.JobStateCompleted))
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs.Jobs) > 0 || time.Now().After(deadline) {
				break
			}
		}
		if ids := messageIDsOf(t, jobs.Jobs); len(jobs.Jobs) != 1 || !slices.Equal(ids, []string{msg.ID}) {
			t.Fatalf("completed %s jobs hold %v, want one with the message", kind, ids)
		}
	}
}

// A batch job attempts its messages at once, but never more than Workers
// of them: each attempt holds one of the process's workers.
func TestBatchAttemptsStayWithinWorkers(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{Workers: 2})
	recv := &concurrencyCounter{pause: 20 * time.Millisecond}
	url := serve(t, recv).URL
	for i := range 6 {
		e.addEndpoint(t, url+"/"+strconv.Itoa(i))
	}
	sample, _ := catalog.SampleEvent("TEST_STARTED", "https://loadhook.example", time.Now())
	var ids []string
	for range 3 {
		pub, err := e.svc.Publish(t.Context(), e.userID, sample)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pub.Messages {
			ids = append(ids, m.ID)
		}
	}
	for _, id := range ids {
		if final := e.waitMessage(t, id, 10*time.Second); final.State != models.StateSucceeded {
			t.Fatalf("message %s, want succeeded", final.State)
		}
	}
	if most := recv.most.Load(); most > 2 {
		t.Fatalf("the receiver saw %d requests at once, want at most Workers = 2", most)
	}
}

// messageIDsOf lists the messages delivery jobs carry, single or batch.
func messageIDsOf(t *testing.T, jobs []*rivertype.JobRow) []string {
	t.Helper()
	var ids []string
	for _, j := range jobs {
		var args struct {
			MessageID  string   `json:"message_id"`
			MessageIDs []string `json:"message_ids"`
		}
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatalf("job %d args %s: %v", j.ID, j.EncodedArgs, err)
		}
		if args.MessageID != "" {
			ids = append(ids, args.MessageID)
		}
		ids = append(ids, args.MessageIDs...)
	}
	return ids
}
