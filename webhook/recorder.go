package webhook

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
)

// recordRequest is one attempt waiting to be recorded.
type recordRequest struct {
	record models.AttemptRecord
	// retryInOwnJob queues, with the record, a job of its own for the
	// message's retry: a batch job makes only first attempts (batch.go).
	retryInOwnJob bool
	done          chan error
}

// storeRecords commits a group of attempt records. Not a worker's context:
// a commit shared by several must not be cut short by one of them.
func (s *Service) storeRecords(batch []recordRequest) {
	ctx := context.Background()
	records := make([]models.AttemptRecord, len(batch))
	var retries []river.InsertManyParams
	for i, req := range batch {
		records[i] = req.record
		if req.retryInOwnJob && req.record.Message.State == models.StateRetrying {
			retries = append(retries, river.InsertManyParams{Args: DeliverArgs{MessageID: req.record.Message.ID}})
		}
	}
	release := s.releaseRecorded(records)
	err := s.store.RecordAttempts(ctx, records, func(tx *models.Tx) error {
		if len(retries) > 0 {
			if err := s.enqueue(ctx, tx, retries); err != nil {
				return err
			}
		}
		return release(tx)
	})
	if err == nil {
		for _, r := range records {
			s.cfg.Metrics.Attempt(attemptOutcome(r.Attempt), r.Attempt.ErrorClass, time.Duration(r.Attempt.DurationMs)*time.Millisecond)
		}
	}
	for _, req := range batch {
		req.done <- err
	}
}

// record stores one attempt and its message's state, and returns once the
// commit holding it is done, so nothing is acknowledged before it is durable.
func (s *Service) record(ctx context.Context, req recordRequest) error {
	req.done = make(chan error, 1)
	if err := s.recorder.submit(ctx, req); err != nil {
		return err
	}
	return <-req.done
}

// attemptOutcome names an attempt's outcome for the metrics: succeeded,
// blocked (never sent) or failed.
func attemptOutcome(a *models.Attempt) string {
	switch {
	case a.Success:
		return "succeeded"
	case a.ErrorClass == ClassBlocked:
		return "blocked"
	default:
		return "failed"
	}
}
