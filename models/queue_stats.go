package models

import (
	"context"
	"fmt"
	"time"
)

// QueueStats counts the messages not yet final (pending or retrying) and
// tells how long the oldest due one has waited past its due time: the first
// attempt is due when the message is created, a retry at NextAttemptAt.
func (s *Store) QueueStats(ctx context.Context) (pending int64, oldestDue time.Duration, err error) {
	open := []string{StatePending, StateRetrying}
	if err := s.db.WithContext(ctx).Model(&Message{}).Where("state IN ?", open).Count(&pending).Error; err != nil {
		return 0, 0, fmt.Errorf("count open messages: %w", err)
	}
	if pending == 0 {
		return 0, 0, nil
	}
	now := time.Now()
	var oldest struct{ Due *time.Time }
	if err := s.db.WithContext(ctx).Model(&Message{}).
		Select("MIN(COALESCE(next_attempt_at, created_at)) AS due").
		Where("state IN ? AND COALESCE(next_attempt_at, created_at) <= ?", open, now).
		Scan(&oldest).Error; err != nil {
		return 0, 0, fmt.Errorf("find the oldest due message: %w", err)
	}
	if oldest.Due != nil {
		oldestDue = max(now.Sub(*oldest.Due), 0)
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
