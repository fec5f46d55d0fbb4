package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// openMessages picks the messages not yet final that have a queue job
// (pending or retrying) endpoint by endpoint, so that the count reads
// idx_messages_endpoint_state, one range per endpoint: by state alone it
// read every message, 140 ms on a million, holding SQLite's one connection
// at each scrape. A message goes with its endpoint, so none is missed.
const openMessages = "endpoint_id IN (SELECT id FROM endpoints) AND state IN ('" + StatePending + "', '" + StateRetrying + "')"

// QueueStats counts the messages not yet final (pending or retrying) and
// tells how long the oldest due one has waited past its due time: the first
// attempt is due when the message is created, a retry at NextAttemptAt.
func (s *Store) QueueStats(ctx context.Context) (pending int64, oldestDue time.Duration, err error) {
	open := func() *gorm.DB { return s.db.WithContext(ctx).Model(&Message{}).Where(openMessages) }
	if err := open().Count(&pending).Error; err != nil {
		return 0, 0, fmt.Errorf("count open messages: %w", err)
	}
	if pending == 0 {
		return 0, 0, nil
	}
	now := time.Now()
	// The columns themselves, not MIN(COALESCE(…)): SQLite answers an
	// expression's time as text, which does not scan into a time.
	var oldest struct {
		NextAttemptAt *time.Time
		CreatedAt     time.Time
	}
	err = open().Select("next_attempt_at, created_at").Where("COALESCE(next_attempt_at, created_at) <= ?", now).
		Order("COALESCE(next_attempt_at, created_at)").Limit(1).Scan(&oldest).Error
	if err != nil {
		return 0, 0, fmt.Errorf("find the oldest due message: %w", err)
	}
	due := oldest.CreatedAt
	if oldest.NextAttemptAt != nil {
		due = *oldest.NextAttemptAt
	}
	if !due.IsZero() {
		oldestDue = max(now.Sub(due), 0)
	}
	return pending, oldestDue, nil
}

// DisabledEndpoints counts the endpoints that are switched off.
func (s *Store) DisabledEndpoints(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Endpoint{}).Where("NOT enabled").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count disabled endpoints: %w", err)
	}
	return n, nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}
