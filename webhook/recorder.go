package webhook

import (
	"context"
	"time"

	"github.com/loadhook/loadhook/models"
)

// recordRequest is one attempt waiting to be recorded.
type recordRequest struct {
	record models.AttemptRecord
	done   chan error
}

// storeRecords commits a group of attempt records. Not a worker's context:
// a commit shared by several must not be cut short by one of them.
func (s *Service) storeRecords(batch []recordRequest) {
	records := make([]models.AttemptRecord, len(batch))
	for i, req := range batch {
		records[i] = req.record
	}
	err := s.store.RecordAttempts(context.Background(), records, s.releaseRecorded(records))
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
func (s *Service) record(ctx context.Context, rec models.AttemptRecord) error {
	done := make(chan error, 1)
	if err := s.recorder.submit(ctx, recordRequest{record: rec, done: done}); err != nil {
		return err
	}
	return <-done
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
