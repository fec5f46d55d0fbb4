package webhook

import (
	"context"

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
	err := s.store.RecordAttempts(context.Background(), records)
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
