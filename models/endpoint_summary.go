package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
)

// MessageHealth is the one headline health figure of an endpoint, the same
// on the list and on the endpoint page: of the messages created in a period
// that have finished, how many were delivered. Each message counts once,
// however many attempts it took; attempts have figures of their own
// (Health), labelled as such.
type MessageHealth struct {
	Delivered int64
	// Finished counts the messages delivered or failed; those still being
	// attempted are not counted yet.
	Finished int64
}

// FailingStreak describes an endpoint whose newest finished messages failed:
// every message that finished since its last delivered one (or since it was
// last enabled) failed.
type FailingStreak struct {
	// Since is when the oldest failed message of the streak was created.
	Since time.Time
	// LastErrorClass and LastStatus are the newest failed message's last
	// outcome, for webhook.ExplainAttempt.
	LastErrorClass string
	LastStatus     int
}

// EndpointSummary is what the endpoint list and the endpoint page show
// about an endpoint's recent deliveries.
type EndpointSummary struct {
	// LastMessageID is empty when the endpoint has no messages yet.
	LastMessageID string
	LastState     string
	LastStatus    int
	LastAt        time.Time
	// Health counts the messages created since the window start.
	Health MessageHealth
	// Failing is nil unless the newest finished messages failed.
	Failing *FailingStreak
}

// HasMessages reports whether the endpoint was ever sent anything.
func (s EndpointSummary) HasMessages() bool { return s.LastMessageID != "" }

// EndpointSummaries returns, for each of the user's endpoints that has
// messages, its last message, its failing streak and its health since
// since. A fixed number of queries whatever the number of endpoints; each
// per-endpoint lookup is an index seek, not a scan of its messages.
func (s *Store) EndpointSummaries(ctx context.Context, userID int64, since time.Time) (map[int64]EndpointSummary, error) {
	return s.summaries(ctx, userID, 0, since)
}

// EndpointSummary is EndpointSummaries for one of the user's endpoints; an
// endpoint without messages has the zero summary.
func (s *Store) EndpointSummary(ctx context.Context, userID, endpointID int64, since time.Time) (EndpointSummary, error) {
	all, err := s.summaries(ctx, userID, endpointID, since)
	if err != nil {
		return EndpointSummary{}, err
	}
	return all[endpointID], nil
}

// MessageHealthSince counts one endpoint's messages created since since,
// the figure EndpointSummary.Health holds for the list's window.
func (s *Store) MessageHealthSince(ctx context.Context, userID, endpointID int64, since time.Time) (MessageHealth, error) {
	counts, err := messageCounts(s.db.WithContext(ctx).Where("user_id = ? AND endpoint_id = ?", userID, endpointID), since)
	if err != nil {
		return MessageHealth{}, fmt.Errorf("count recent messages of endpoint %d: %w", endpointID, err)
	}
	return counts[endpointID], nil
}

// messageCounts is the one computation of MessageHealth, per endpoint of the
// messages q selects.
func messageCounts(q *gorm.DB, since time.Time) (map[int64]MessageHealth, error) {
	var rows []struct {
		EndpointID int64
		Delivered  int64
		Finished   int64
	}
	err := q.Model(&Message{}).
		Select("endpoint_id, SUM(CASE WHEN state = ? THEN 1 ELSE 0 END) AS delivered, SUM(CASE WHEN state IN ? THEN 1 ELSE 0 END) AS finished",
			StateSucceeded, catalog.FinishedStates).
		Where("created_at >= ?", since.UTC()).Group("endpoint_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[int64]MessageHealth, len(rows))
	for _, r := range rows {
		out[r.EndpointID] = MessageHealth{Delivered: r.Delivered, Finished: r.Finished}
	}
	return out, nil
}

// streakStartSQL is, for the endpoint e, the id after which a failed message
// belongs to its failing streak: its newest delivered message's id (empty if
// none). Message ids sort by creation time; the index on (endpoint_id,
// state, id) makes it one seek.
const streakStartSQL = `COALESCE((SELECT d.id FROM messages d WHERE d.endpoint_id = e.id AND d.state = ? ORDER BY d.id DESC LIMIT 1), '')`

// summaries is EndpointSummaries, limited to one endpoint when endpointID
// is not 0.
func (s *Store) summaries(ctx context.Context, userID, endpointID int64, since time.Time) (map[int64]EndpointSummary, error) {
	var rows []struct {
		EndpointID    int64
		LastID        *string
		FirstFailedID *string
		LastFailedID  *string
	}
	// Correlated subqueries, each an index seek per endpoint, rather than a
	// GROUP BY over every message of the user.
	q := s.db.WithContext(ctx).Table("endpoints e").Select(`e.id AS endpoint_id,
		(SELECT m.id FROM messages m WHERE m.endpoint_id = e.id ORDER BY m.id DESC LIMIT 1) AS last_id,
		(SELECT f.id FROM messages f WHERE f.endpoint_id = e.id AND f.state = ? AND f.last_error_class <> ?
			AND f.id > `+streakStartSQL+` AND f.created_at >= COALESCE(e.enabled_at, e.created_at)
			ORDER BY f.id LIMIT 1) AS first_failed_id,
		(SELECT f.id FROM messages f WHERE f.endpoint_id = e.id AND f.state = ? AND f.last_error_class <> ?
			AND f.id > `+streakStartSQL+` AND f.created_at >= COALESCE(e.enabled_at, e.created_at)
			ORDER BY f.id DESC LIMIT 1) AS last_failed_id`,
		StateFailed, catalog.ClassDisabled, StateSucceeded, StateFailed, catalog.ClassDisabled, StateSucceeded).
		Where("e.user_id = ?", userID)
	if endpointID != 0 {
		q = q.Where("e.id = ?", endpointID)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("load last messages of user %d: %w", userID, err)
	}
	var ids []string
	for _, r := range rows {
		for _, id := range []*string{r.LastID, r.FirstFailedID, r.LastFailedID} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	byID := make(map[string]Message, len(ids))
	if len(ids) > 0 {
		var msgs []Message
		err := s.db.WithContext(ctx).Select("id", "state", "last_status", "last_error_class", "created_at", "updated_at").
			Where("id IN ?", ids).Find(&msgs).Error
		if err != nil {
			return nil, fmt.Errorf("load last messages of user %d: %w", userID, err)
		}
		for _, m := range msgs {
			byID[m.ID] = m
		}
	}
	out := make(map[int64]EndpointSummary, len(rows))
	for _, r := range rows {
		if r.LastID == nil {
			continue
		}
		last := byID[*r.LastID]
		sum := EndpointSummary{LastMessageID: last.ID, LastState: last.State, LastStatus: last.LastStatus, LastAt: last.UpdatedAt}
		if r.FirstFailedID != nil && r.LastFailedID != nil {
			newest := byID[*r.LastFailedID]
			sum.Failing = &FailingStreak{Since: byID[*r.FirstFailedID].CreatedAt, LastErrorClass: newest.LastErrorClass, LastStatus: newest.LastStatus}
		}
		out[r.EndpointID] = sum
	}

	q = s.db.WithContext(ctx).Where("user_id = ?", userID)
	if endpointID != 0 {
		q = q.Where("endpoint_id = ?", endpointID)
	}
	counts, err := messageCounts(q, since)
	if err != nil {
		return nil, fmt.Errorf("count recent messages of user %d: %w", userID, err)
	}
	for id, c := range counts {
		sum := out[id]
		sum.Health = c
		out[id] = sum
	}
	return out, nil
}

// AutoDisablePolicy is when the engine turns a failing endpoint off: every
// message of the streak failed, the oldest at least After ago, and at least
// MinMessages of them.
type AutoDisablePolicy struct {
	After       time.Duration
	MinMessages int
}

// FailedLongEnough reports whether the endpoint's failing streak meets the
// policy at now, and when the streak began. It is cheap enough to ask on
// every final failure: two index seeks, and a count bounded by MinMessages
// only once the streak is old enough.
func (s *Store) FailedLongEnough(ctx context.Context, endpointID int64, p AutoDisablePolicy, now time.Time) (bool, time.Time, error) {
	var first []struct {
		ID        string
		CreatedAt time.Time
	}
	err := s.db.WithContext(ctx).Table("endpoints e").
		Select(`f.id, f.created_at`).
		Joins(`JOIN messages f ON f.endpoint_id = e.id AND f.state = ? AND f.last_error_class <> ?
			AND f.id > `+streakStartSQL+` AND f.created_at >= COALESCE(e.enabled_at, e.created_at)`,
			StateFailed, catalog.ClassDisabled, StateSucceeded).
		Where("e.id = ? AND e.enabled", endpointID).Order("f.id").Limit(1).Scan(&first).Error
	if err != nil {
		return false, time.Time{}, fmt.Errorf("find the failing streak of endpoint %d: %w", endpointID, err)
	}
	if len(first) == 0 || first[0].CreatedAt.After(now.Add(-p.After)) {
		return false, time.Time{}, nil
	}
	var n int64
	err = s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM (
		SELECT 1 FROM messages WHERE endpoint_id = ? AND state = ? AND last_error_class <> ? AND id >= ? LIMIT ?) streak`,
		endpointID, StateFailed, catalog.ClassDisabled, first[0].ID, p.MinMessages).Scan(&n).Error
	if err != nil {
		return false, time.Time{}, fmt.Errorf("count the failing streak of endpoint %d: %w", endpointID, err)
	}
	return n >= int64(p.MinMessages), first[0].CreatedAt, nil
}

// AutoDisableEndpoint turns an endpoint off on the engine's behalf because
// it has failed since streakStart, and reports whether this call did it.
// Only one of several instances deciding at once gets true, and a user who
// enabled the endpoint again after the streak began wins: that endpoint is
// left on.
func (s *Store) AutoDisableEndpoint(ctx context.Context, endpointID int64, reason string, streakStart, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Endpoint{}).
		Where("id = ? AND enabled AND COALESCE(enabled_at, created_at) <= ?", endpointID, streakStart.UTC()).
		Updates(map[string]any{"enabled": false, "disabled_reason": reason, "disabled_at": now.UTC(), "updated_at": now.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("disable failing endpoint %d: %w", endpointID, res.Error)
	}
	return res.RowsAffected == 1, nil
}
