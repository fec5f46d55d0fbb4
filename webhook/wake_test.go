package webhook

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

// TestSQLiteQueueIsWokenNotPolled runs the engine with a poll far longer
// than the test: every job must reach a worker because the engine woke the
// queue, after the publish commit, when a snoozed retry fell due, and after
// a redelivery's commit.
func TestSQLiteQueueIsWokenNotPolled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		statuses []int
		attempts int
	}{
		{"first attempt", []int{http.StatusOK}, 1},
		{"retries after snoozes", []int{http.StatusInternalServerError, http.StatusInternalServerError, http.StatusOK}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t, "loopback", Config{PollInterval: time.Hour})
			if !testdb.IsSQLite(e.dsn) {
				t.Skip("Postgres wakes the queue with LISTEN/NOTIFY")
			}
			rec := &receiver{statuses: tc.statuses}
			ep := e.addEndpoint(t, serve(t, rec).URL+"/hook")
			msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
			if err != nil {
				t.Fatal(err)
			}
			final := e.waitMessage(t, msg.ID, 20*time.Second)
			if final.State != models.StateSucceeded || final.Attempts != tc.attempts {
				t.Fatalf("message %s after %d attempts, want succeeded after %d: the queue was not woken", final.State, final.Attempts, tc.attempts)
			}
			if err := e.svc.Redeliver(t.Context(), e.userID, msg.ID); err != nil {
				t.Fatal(err)
			}
			again := e.waitMessage(t, msg.ID, 20*time.Second)
			if again.State != models.StateSucceeded || again.Attempts != tc.attempts+1 {
				t.Fatalf("after redelivery message %s after %d attempts, want succeeded after %d: the queue was not woken", again.State, again.Attempts, tc.attempts+1)
			}
			// Every wake was an empty transaction: no wake job was stored,
			// and no job id was used up (River's ids are AUTOINCREMENT).
			var wakeJobs, lastID, idsUsed int64
			e.db.Raw("SELECT count(*) FROM river_job WHERE kind = ?", wakeKind).Scan(&wakeJobs)
			e.db.Raw("SELECT max(id) FROM river_job").Scan(&lastID)
			e.db.Raw("SELECT seq FROM sqlite_sequence WHERE name = 'river_job'").Scan(&idsUsed)
			if wakeJobs != 0 || idsUsed != lastID {
				t.Errorf("after the wakes: %d wake jobs stored and %d job ids used for %d jobs, want none stored and none used", wakeJobs, idsUsed, lastID)
			}
		})
	}
}

// TestSnoozeOnSQLiteStaysBelowRiversScheduler checks that a long rest is
// made of snoozes River keeps available (see maxSnooze), each with a wake.
func TestSnoozeOnSQLiteStaysBelowRiversScheduler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		waker *queueWaker
		in    time.Duration
		want  time.Duration
	}{
		{"short snooze on SQLite", &queueWaker{kick: make(chan struct{}, 1)}, 300 * time.Millisecond, 300 * time.Millisecond},
		{"long rest on SQLite", &queueWaker{kick: make(chan struct{}, 1)}, 10 * time.Second, maxSnooze},
		{"long rest on Postgres", nil, 10 * time.Second, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Service{waker: tc.waker}
			var snoozed *rivertype.JobSnoozeError
			if err := s.snooze(tc.in); !errors.As(err, &snoozed) {
				t.Fatalf("snooze(%v) = %v, want a River snooze", tc.in, err)
			}
			if snoozed.Duration != tc.want {
				t.Errorf("snooze(%v) snoozes %v, want %v", tc.in, snoozed.Duration, tc.want)
			}
		})
	}
}

// TestSQLiteQueueBookkeepingLeavesCommitsFsynced runs a delivery with a
// retry through River's fetch, snooze and completion, which commit
// unfsynced on SQLite (unsynced.go): each must go through, and the
// connection every other commit uses must be fsyncing again afterwards.
func TestSQLiteQueueBookkeepingLeavesCommitsFsynced(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("a SQLite setting")
	}
	if _, ok := e.svc.driver.GetExecutor().(unsyncedQueueExecutor); !ok {
		t.Fatalf("River's executor is %T, want unsyncedQueueExecutor: its fetch and completion would fsync", e.svc.driver.GetExecutor())
	}
	rec := &receiver{statuses: []int{http.StatusInternalServerError, http.StatusOK}}
	ep := e.addEndpoint(t, serve(t, rec).URL+"/hook")
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, msg.ID, 20*time.Second); final.State != models.StateSucceeded || final.Attempts != 2 {
		t.Fatalf("message %s after %d attempts, want succeeded after 2", final.State, final.Attempts)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var state string
		if err := e.db.Raw("SELECT state FROM river_job WHERE kind = ? AND json_extract(args, '$.message_id') = ?", DeliverArgs{}.Kind(), msg.ID).Scan(&state).Error; err != nil {
			t.Fatal(err)
		}
		if state == string(rivertype.JobStateCompleted) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is %q, want completed: River's completion did not commit", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var synchronous int
	if err := e.db.Raw("PRAGMA synchronous").Scan(&synchronous).Error; err != nil {
		t.Fatal(err)
	}
	if synchronous != 2 {
		t.Fatalf("PRAGMA synchronous = %d after the queue's commits, want 2 (FULL): acknowledged events would not be fsynced", synchronous)
	}
}
