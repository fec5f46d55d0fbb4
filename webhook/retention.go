package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// PruneArgs is the periodic job that deletes old delivery records and
// expired sessions.
type PruneArgs struct{}

// Kind names the job in the queue.
func (PruneArgs) Kind() string { return "prune" }

// pruneBatch is how many rows one delete statement removes: small enough
// that deliveries waiting for the database are held up only briefly.
const pruneBatch = 1000

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	now := time.Now()
	if _, err := w.s.store.PruneDeliveries(ctx, now.Add(-w.s.cfg.Retention), pruneBatch); err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	if _, err := w.s.store.PruneIdempotencyKeys(ctx, now); err != nil {
		return err
	}
	return w.s.store.PruneSessions(ctx, now)
}

// pruneJob runs the retention job every ten minutes on the queue's leader,
// so several instances do not prune at once.
func pruneJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
