package models

import (
	"context"
	"fmt"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// PruneDeliveries deletes attempts, finished messages and events older than
// cutoff, batch rows per statement, and returns how many rows went. Each
// batch is its own short statement so deliveries are never locked out for
// long.
func (s *Store) PruneDeliveries(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	var total int64
	steps := []struct {
		what, sql string
		args      []any
	}{
		{"attempts", "DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE started_at < ? LIMIT ?)", []any{cutoff.UTC(), batch}},
		{"messages", "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE created_at < ? AND state IN ? LIMIT ?)", []any{cutoff.UTC(), catalog.FinishedStates, batch}},
		{"events", "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.event_id = events.id) LIMIT ?)", []any{cutoff.UTC(), batch}},
	}
	for _, step := range steps {
		for {
			res := s.db.WithContext(ctx).Exec(step.sql, step.args...)
			if res.Error != nil {
				return total, fmt.Errorf("prune %s: %w", step.what, res.Error)
			}
			total += res.RowsAffected
			if res.RowsAffected < int64(batch) {
				break
			}
		}
	}
	return total, nil
}
