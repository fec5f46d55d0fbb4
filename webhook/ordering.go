package webhook

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
)

// Messages of one test run to one endpoint go in the order their events
// were accepted (models.OrderRuns decides, when they are published, which
// wait). A waiting message has no queue job: the transaction that stores
// the final state of the message it waits for releases it and queues it, so
// it cannot be forgotten, and its attempts start only then.

// releaseRecorded is what the recorder's transaction runs last: it queues
// the messages that waited for those the batch finished.
func (s *Service) releaseRecorded(records []models.AttemptRecord) func(*models.Tx) error {
	return func(tx *models.Tx) error {
		finished := make([]*models.Message, len(records))
		for i, r := range records {
			finished[i] = r.Message
		}
		return s.releaseSuccessors(context.Background(), tx, finished)
	}
}

// releaseSuccessors queues, inside tx, the messages waiting for one of
// finished, whose final states tx has just stored.
func (s *Service) releaseSuccessors(ctx context.Context, tx *models.Tx, finished []*models.Message) error {
	released, err := s.store.ReleaseSuccessors(tx, finished, time.Now().UTC())
	if err != nil || len(released) == 0 {
		return err
	}
	jobs := make([]river.InsertManyParams, len(released))
	for i, id := range released {
		jobs[i] = river.InsertManyParams{Args: DeliverArgs{MessageID: id}}
	}
	return s.enqueue(ctx, tx, jobs)
}

// saveFinalState stores the final state of a message ended without an
// attempt, releasing in the same commit the message that waited for it.
func (s *Service) saveFinalState(ctx context.Context, msg *models.Message) error {
	if msg.RunKey == 0 {
		return s.store.SaveMessageState(ctx, msg)
	}
	return s.store.InTx(ctx, func(tx *models.Tx) error {
		if err := s.store.SaveMessageStateTx(tx, msg); err != nil {
			return err
		}
		return s.releaseSuccessors(ctx, tx, []*models.Message{msg})
	})
}

// runnable drops, from items built one per message of msgs, those of the
// messages OrderRuns set waiting: they get no job, and no copy for a worker.
func runnable[T any](msgs []models.Message, items []T) []T {
	out := items[:0:0]
	for i, m := range msgs {
		if m.State != models.StateWaiting {
			out = append(out, items[i])
		}
	}
	return out
}
