package webhook

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

// waitNoBatchJobs waits until no batch job is left in any state: those of
// batches started at the commit are deleted once done.
func waitNoBatchJobs(t *testing.T, e *testEngine) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// River's list covers every state unless told otherwise.
		jobs, err := e.svc.river.JobList(t.Context(), river.NewJobListParams().Kinds(DeliverBatchArgs{}.Kind()))
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs.Jobs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch jobs left: %d, the first %s (due %v); want the finished batch's deleted", len(jobs.Jobs), jobs.Jobs[0].State, jobs.Jobs[0].ScheduledAt)
		}
	}
}

// On SQLite, first attempts start at the publish commit: with River's poll
// an hour apart and no wake for the batch job (it is not due), the receiver
// still gets the event at once, and the batch job is deleted, not worked.
func TestFirstAttemptsStartAtTheCommitOnSQLite(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{PollInterval: time.Hour})
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("on Postgres River works batch jobs as they come")
	}
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	ids := make([]string, 3)
	for i := range ids {
		msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = msg.ID
	}
	for _, id := range ids {
		if final := e.waitMessage(t, id, 5*time.Second); final.State != models.StateSucceeded || final.Attempts != 1 {
			t.Fatalf("message %s after %d attempts, want succeeded after 1", final.State, final.Attempts)
		}
	}
	waitNoBatchJobs(t, e)
	if n := len(rec.got()); n != len(ids) {
		t.Fatalf("the receiver got %d requests, want %d", n, len(ids))
	}
}

// A batch started at the commit and cut off by a shutdown leaves its job
// due: the next process works it, and the receiver gets the message, with
// the same webhook-id, though the first process never finished it.
func TestACutOffBatchIsLeftToItsJob(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("on Postgres River works batch jobs as they come")
	}
	var answer atomic.Bool // until set, the receiver hangs
	arrived := make(chan string, 4)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.Header.Get("webhook-id")
		if !answer.Load() {
			// Read to the end, so the server notices when the client goes.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	ep := e.addEndpoint(t, srv.URL)
	cfg := Config{Logger: e.svc.log, BaseURL: e.svc.cfg.BaseURL}
	process := func() *Service {
		svc, err := NewService(t.Context(), e.store, e.svc.policy, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		return svc
	}

	first := process()
	msg, err := first.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	sent := <-arrived
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if m := e.waitMessage(t, msg.ID, 0); m.State != models.StatePending || m.Attempts != 0 {
		t.Fatalf("after the shutdown the message is %s after %d attempts, want pending, never attempted", m.State, m.Attempts)
	}

	answer.Store(true)
	next := process()
	t.Cleanup(func() { next.Stop(context.Background()) })
	if final := e.waitMessage(t, msg.ID, 10*time.Second); final.State != models.StateSucceeded || final.Attempts != 1 {
		t.Fatalf("message %s after %d attempts, want succeeded after 1", final.State, final.Attempts)
	}
	if again := <-arrived; again != sent {
		t.Fatalf("the second process sent webhook-id %q, the first %q: want the same", again, sent)
	}
}

// A batch job put off by a process that died before its attempts were done
// is made due when the next process starts, not when it falls due.
func TestAtStartABatchLeftPutOffIsMadeDue(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("on Postgres batch jobs are never put off")
	}
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	// Before Start the batch job is due; put it off as the commit of a
	// started process does, and as that process left it when it died.
	put := e.db.Exec("UPDATE river_job SET state = 'scheduled', scheduled_at = datetime('now', '+25 seconds') WHERE kind = ?", DeliverBatchArgs{}.Kind())
	if put.Error != nil || put.RowsAffected != 1 {
		t.Fatalf("put off %d batch jobs (%v), want 1", put.RowsAffected, put.Error)
	}
	if err := e.svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, msg.ID, 5*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("5 s after Start the message is %s, want succeeded: the batch job left put off waited to fall due", final.State)
	}
}

// A publish whose commit fails after its batch job was inserted starts no
// attempt: the receiver never gets an event no caller was told is stored,
// though the batch's messages were already offered to the handoff.
func TestAFailedCommitStartsNoAttempt(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("first attempts start at the commit on SQLite only")
	}
	rec := &receiver{}
	e.addEndpoint(t, serve(t, rec).URL)
	// The batch job's insert adds a row whose foreign key is checked only
	// at COMMIT, and is broken: the commit fails after the insert.
	for _, stmt := range []string{
		`CREATE TABLE commit_breaker (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TRIGGER break_commit AFTER INSERT ON river_job WHEN NEW.kind = '` + DeliverBatchArgs{}.Kind() + `'
			BEGIN INSERT INTO commit_breaker VALUES (-1); END`,
	} {
		if err := e.db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	pub, err := e.svc.Publish(t.Context(), e.userID, unorderedInput(t, "TEST_STARTED"))
	if err == nil {
		t.Fatalf("publish accepted %+v, want the failed commit's error", pub)
	}
	var events int64
	if err := e.db.Model(&models.Event{}).Count(&events).Error; err != nil {
		t.Fatal(err)
	}
	jobs, err := e.svc.river.JobList(t.Context(), river.NewJobListParams().Kinds(DeliverBatchArgs{}.Kind()))
	if err != nil {
		t.Fatal(err)
	}
	if events != 0 || len(jobs.Jobs) != 0 {
		t.Fatalf("%d events and %d batch jobs stored by a publish whose commit failed", events, len(jobs.Jobs))
	}
	time.Sleep(300 * time.Millisecond) // time for an attempt to arrive
	if got := rec.got(); len(got) != 0 {
		t.Fatalf("the receiver got %d requests (webhook-id %s) for an event that was not accepted", len(got), got[0].header.Get("webhook-id"))
	}
}
