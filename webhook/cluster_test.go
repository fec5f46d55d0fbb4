package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
)

// instance starts one more engine on e's database, as another process
// would; stop stops it once, at the latest when the test ends.
func (e *testEngine) instance(t *testing.T, cfg Config) (svc *Service, stop func()) {
	t.Helper()
	cfg.Logger, cfg.BaseURL = slog.New(slog.DiscardHandler), "https://loadhook.example"
	svc, err := NewService(t.Context(), e.store, e.svc.policy, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := svc.Stop(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return svc, stop
}

// An instance that stops with a retry left in its queue says it is gone;
// another works that queue until it is drained, then forgets the instance.
// Meanwhile each instance's own jobs go to its own queue.
func TestGoneInstancesQueueIsWorkedUntilDrained(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	if e.store.IsSQLite() {
		t.Skip("queues are per instance on Postgres only")
	}
	rec := &receiver{statuses: []int{http.StatusInternalServerError, http.StatusOK}}
	ep := e.addEndpoint(t, serve(t, rec).URL)

	a, stopA := e.instance(t, Config{})
	msg, err := a.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(e.attempts(t, msg.ID)) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no first attempt within 10 s")
		}
	}
	stopA()
	var gone models.Instance
	if err := e.db.Where("id = ?", a.member.id).Take(&gone).Error; err != nil {
		t.Fatalf("the stopped instance's row: %v", err)
	}
	if !gone.SeenAt.Equal(time.Unix(0, 0)) {
		t.Fatalf("the stopped instance was last seen at %s, want the epoch: its queue holds the retry", gone.SeenAt)
	}
	// Make the retry due now rather than on the schedule, which is not
	// under test here.
	res := e.db.Exec("UPDATE river_job SET state = 'available', scheduled_at = now() WHERE queue = ? AND state IN ('available', 'retryable', 'scheduled')", a.member.id)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("jobs left in the stopped instance's queue: %d (%v), want the one retry", res.RowsAffected, res.Error)
	}

	b, _ := e.instance(t, Config{})
	if final := e.waitMessage(t, msg.ID, 15*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("message %s after the other instance stopped, want succeeded", final.State)
	}
	jobs, err := b.river.JobList(t.Context(), river.NewJobListParams().Kinds(DeliverArgs{}.Kind()))
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("delivery jobs: %d (%v), want 1", len(jobs.Jobs), err)
	}
	// B may run the job more than once: it snoozes until the retry's rest,
	// counted from A's attempt, is over.
	if job := jobs.Jobs[0]; job.Queue != a.member.id || job.AttemptedBy[0] != a.member.id || slices.Index(job.AttemptedBy, b.member.id) < 0 {
		t.Fatalf("the job in queue %s was worked by %v, want queue %s worked by A, then by B", job.Queue, job.AttemptedBy, a.member.id)
	}
	for deadline := time.Now().Add(3 * HeartbeatInterval); ; time.Sleep(50 * time.Millisecond) {
		var n int64
		if err := e.db.Model(&models.Instance{}).Where("id = ?", a.member.id).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gone instance is still listed after its queue was drained")
		}
	}

	mine, err := b.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, mine.ID, 10*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("B's own message %s, want succeeded", final.State)
	}
	jobs, err = b.river.JobList(t.Context(), river.NewJobListParams().Queues(b.member.id))
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("jobs in B's own queue: %d (%v), want its one delivery", len(jobs.Jobs), err)
	}
}

// With more instances than the per-endpoint cap, one has no share of it:
// what it accepts is delivered by the others, through the default queue,
// and the cap still holds.
func TestInstanceWithoutAShareHandsItsJobsOn(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	if e.store.IsSQLite() {
		t.Skip("queues are per instance on Postgres only")
	}
	recv := &concurrencyCounter{pause: 20 * time.Millisecond}
	ep := e.addEndpoint(t, serve(t, recv).URL)
	// Of a cap of one, the first instance (the lower ID) takes all; the
	// second, from its first heartbeat, none.
	a, _ := e.instance(t, Config{PerEndpoint: 1})
	b, _ := e.instance(t, Config{PerEndpoint: 1})
	if a.limiter.hasShare() == b.limiter.hasShare() {
		// A counts B in at its next heartbeat.
		time.Sleep(HeartbeatInterval + time.Second)
	}
	if b.limiter.hasShare() || !a.limiter.hasShare() {
		t.Fatalf("shares of a cap of 1: A %v, B %v; want A's alone", a.limiter.hasShare(), b.limiter.hasShare())
	}
	// A job in B's own queue, as if queued while B had a share: its message
	// comes from the idle engine, whose own queue nobody works.
	first, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.river.Insert(t.Context(), DeliverArgs{MessageID: first.ID}, &river.InsertOpts{Queue: b.member.id}); err != nil {
		t.Fatal(err)
	}
	msgs := []string{first.ID}
	for range 5 {
		sent, err := b.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, sent.ID)
	}
	for _, id := range msgs {
		if final := e.waitMessage(t, id, 15*time.Second); final.State != models.StateSucceeded {
			t.Fatalf("message %s accepted by the instance without a share: %s, want succeeded", id, final.State)
		}
	}
	// What B queued itself went straight to the default queue.
	if own, err := b.river.JobList(t.Context(), river.NewJobListParams().Queues(b.member.id)); err != nil || len(own.Jobs) != 1 {
		t.Fatalf("jobs in B's own queue: %d (%v), want only the one put there by hand", len(own.Jobs), err)
	}
	if most := recv.most.Load(); most > 1 {
		t.Fatalf("the receiver saw %d requests at once, want at most the cap of 1", most)
	}
}

// concurrencyCounter answers after a pause and keeps the most requests it
// held at once.
type concurrencyCounter struct {
	pause     time.Duration
	now, most atomic.Int64
}

func (c *concurrencyCounter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	time.Sleep(c.pause)
}

// An engine that never joined the cluster (never started, as the drain
// benchmark's publisher) queues what it publishes in the default queue,
// which every instance works: nobody would adopt the queue of an instance
// the cluster does not know, and its jobs would wait there forever.
func TestEngineOutsideTheClusterQueuesInTheDefaultQueue(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	if e.store.IsSQLite() {
		t.Skip("SQLite has one queue")
	}
	ep := e.addEndpoint(t, serve(t, &receiver{}).URL+"/hook")
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	var queue string
	if err := e.db.Raw("SELECT queue FROM river_job WHERE jsonb_exists(args->'message_ids', ?)", msg.ID).Scan(&queue).Error; err != nil {
		t.Fatal(err)
	}
	if queue != river.QueueDefault {
		t.Fatalf("the job is in queue %q, want %q: no instance would work it", queue, river.QueueDefault)
	}
	e.instance(t, Config{})
	if final := e.waitMessage(t, msg.ID, 20*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("message %s, want succeeded by the instance that started", final.State)
	}
}
