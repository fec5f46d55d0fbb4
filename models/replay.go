package models

import (
	"context"
	"fmt"
	"time"
)

// What "Enable and replay" sends again once an endpoint that loadhook
// turned off is turned back on: the failed messages of its last failing
// streak (same ids, so receivers deduplicate), and the events that arrived
// while it was off, which were never queued for it.

// ReplayableMessageIDs lists, oldest first and at most max, the failed
// messages of an endpoint's last failing streak: those created after its
// newest delivered message and since it was last enabled, including those
// stopped when it was turned off.
func (s *Store) ReplayableMessageIDs(ctx context.Context, userID, endpointID int64, max int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Table("endpoints e").
		Joins(`JOIN messages f ON f.endpoint_id = e.id AND f.state = ?
			AND f.id > `+streakStartSQL+` AND f.created_at >= COALESCE(e.enabled_at, e.created_at)`,
			StateFailed, StateSucceeded).
		Where("e.id = ? AND e.user_id = ?", endpointID, userID).Order("f.id").Limit(max).Pluck("f.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list the failed messages of endpoint %d: %w", endpointID, err)
	}
	return ids, nil
}

// MissedEvents lists, inside tx, oldest first and at most max, the user's
// events since since of the given types that have no message for the
// endpoint: those that arrived while it was off. Test events are left out;
// they were sent to one endpoint each, on purpose.
func (s *Store) MissedEvents(tx *Tx, userID, endpointID int64, types []string, since time.Time, max int) ([]Event, error) {
	var events []Event
	if len(types) == 0 || max <= 0 {
		return nil, nil
	}
	err := tx.db.Select("id", "user_id", "type", "test", "created_at").
		Where("user_id = ? AND created_at >= ? AND NOT test AND type IN ?", userID, since.UTC(), types).
		Where("NOT EXISTS (SELECT 1 FROM messages m WHERE m.event_id = events.id AND m.endpoint_id = ?)", endpointID).
		Order("id").Limit(max).Find(&events).Error
	if err != nil {
		return nil, fmt.Errorf("list the events endpoint %d missed: %w", endpointID, err)
	}
	return events, nil
}
