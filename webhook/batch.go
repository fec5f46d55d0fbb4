package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
)

// The messages published in one commit get their first attempts from batch
// jobs, a job for up to deliverBatchSize of them, rather than a job each:
// River's insert, fetch and completion of a job cost about a third of a
// delivery's CPU, and on SQLite each of them waits for the one connection.
// A batch job attempts its messages at once, each holding one of the
// process's workers (attemptSlots) and a slot of its endpoint's cap like
// any attempt. What a first attempt leads to leaves the batch:
//   - a retry is queued as a job of its own (DeliverArgs) in the commit
//     that records the failed attempt;
//   - a message that cannot start within batchStartWithin (its endpoint's
//     cap or the workers busy), or whose endpoint hangs, is split off the
//     same way (splitOff), and waits there as any single job does.
// A batch job run again (after a crash, or cut off by a shutdown) skips
// what no longer belongs to it, by the message row alone (batchOwns), so
// each message stays with one job. docs/decisions.md, "First attempts are
// made by batch jobs".

// DeliverBatchArgs is the queue job of the first attempts of messages
// published together.
type DeliverBatchArgs struct {
	MessageIDs []string `json:"message_ids"`
}

// Kind names the job in the queue.
func (DeliverBatchArgs) Kind() string { return "deliver_batch" }

// deliverBatchSize is the most messages a batch job carries: the publisher
// commits up to 128 events at a time.
const deliverBatchSize = 128

// batchStartWithin bounds how long a batch's message may wait for its
// slots. With an attempt's AttemptTimeout (10 s) and its record, a batch
// job then ends within jobTimeout (20 s), so River's stuck-job rescue
// (rescueStuckJobsAfter, 25 s) never takes a live one for a dead one's.
const batchStartWithin = 5 * time.Second

// batchJobs is the batch jobs that make the first attempts of messages.
func batchJobs(messageIDs []string) []river.InsertManyParams {
	var jobs []river.InsertManyParams
	for ids := range slices.Chunk(messageIDs, deliverBatchSize) {
		jobs = append(jobs, river.InsertManyParams{Args: DeliverBatchArgs{MessageIDs: ids}})
	}
	return jobs
}

// batchOwns tells whether a batch job still makes the message's first
// attempt: not once an attempt was made (its retry has a job of its own),
// nor once the batch split it off, which moves its next attempt past its
// creation. A message fresh from the publisher is due when it was created.
func batchOwns(m *models.Message) bool {
	return m.State == models.StatePending && m.Attempts == 0 &&
		m.NextAttemptAt != nil && !m.NextAttemptAt.After(m.CreatedAt)
}

type deliverBatchWorker struct {
	river.WorkerDefaults[DeliverBatchArgs]
	s *Service
}

// Work attempts the batch's messages at once and ends when each is done or
// has a job of its own. A message cut off by a shutdown, or one that met an
// error, runs the job again; the messages done are skipped then.
func (w *deliverBatchWorker) Work(ctx context.Context, job *river.Job[DeliverBatchArgs]) error {
	s := w.s
	if job.Queue != river.QueueDefault && !s.limiter.hasShare() {
		return handOn(ctx, s, job)
	}
	run := attemptRun{mayUseHandoff: handoffUsable(job.JobRow), batch: true, startBy: time.Now().Add(batchStartWithin)}
	return batchOutcome(s.attemptBatch(ctx, job.Args.MessageIDs, run))
}

// attemptBatch makes the first attempts of a batch's messages at once, and
// returns each one's error.
func (s *Service) attemptBatch(ctx context.Context, messageIDs []string, run attemptRun) []error {
	errs := make([]error, len(messageIDs))
	var wg sync.WaitGroup
	for i, id := range messageIDs {
		wg.Go(func() {
			again, err := s.attempt(ctx, id, run)
			if err == nil && !again.IsZero() {
				err = s.splitOff(ctx, id, again)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errs
}

// batchOutcome is a batch job's result from its messages': the first error
// of an attempt or a record, else a snooze when one was cut off by a
// shutdown, else done.
func batchOutcome(errs []error) error {
	var snooze *river.JobSnoozeError
	cutOff, failed := false, 0
	var first error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.As(err, &snooze):
			cutOff = true
		default:
			if failed++; first == nil {
				first = err
			}
		}
	}
	switch {
	case first != nil:
		return fmt.Errorf("%d of the batch's %d messages: %w", failed, len(errs), first)
	case cutOff:
		return river.JobSnooze(0)
	}
	return nil
}

// splitOff gives a batch's message a job of its own, due at at, in the
// commit that moves its next attempt there: from then on the batch no
// longer owns it.
func (s *Service) splitOff(ctx context.Context, messageID string, at time.Time) error {
	return s.store.InTx(ctx, func(tx *models.Tx) error {
		if err := s.store.PutOffFirstAttempt(tx, messageID, at.UTC()); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, []river.InsertManyParams{{Args: DeliverArgs{MessageID: messageID}}})
	})
}

// attemptSlots are the process's workers: one is held by every attempt in
// flight, whether a single job or a batch makes it.
type attemptSlots chan struct{}

// take holds a worker, waiting for one until deadline.
func (w attemptSlots) take(ctx context.Context, deadline time.Time) bool {
	select {
	case w <- struct{}{}:
		return true
	default:
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case w <- struct{}{}:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (w attemptSlots) release() { <-w }

// takeSlots holds what an attempt needs, a slot of its endpoint's cap and
// then a worker. A single job asks the cap once, for up to singleWait, since
// it holds one of River's workers meanwhile. A batch's message asks again
// until run.startBy while the endpoint makes progress, so a backlog for a
// healthy endpoint waits its turn; an endpoint whose attempts hang for
// singleWait has its messages split off at once.
func (s *Service) takeSlots(ctx context.Context, endpointID int64, run attemptRun) bool {
	for {
		asked := time.Now()
		if s.limiter.acquire(ctx, endpointID, max(min(singleWait, time.Until(run.startBy)), 0)) {
			break
		}
		rest := time.Until(run.startBy)
		if !run.batch || rest <= 0 || ctx.Err() != nil || s.limiter.stalled(endpointID, singleWait) {
			return false
		}
		if time.Since(asked) < time.Millisecond {
			// Turned away at once: enough attempts wait for the endpoint.
			select {
			case <-time.After(min(s.limiter.retryAfter(endpointID), rest)):
			case <-ctx.Done():
				return false
			}
		}
	}
	if !s.workers.take(ctx, run.startBy) {
		s.limiter.release(endpointID, 0)
		return false
	}
	return true
}

// releaseSlots frees what takeSlots held, noting how long the attempt took.
func (s *Service) releaseSlots(endpointID int64, took time.Duration) {
	s.workers.release()
	s.limiter.release(endpointID, took)
}
