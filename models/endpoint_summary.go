package models

import (
	"context"
	"fmt"
	"time"
)

// EndpointSummary is what the endpoint list shows about recent deliveries.
type EndpointSummary struct {
	// LastMessageID is empty when the endpoint has no messages yet.
	LastMessageID string
	LastState     string
	LastStatus    int
	LastAt        time.Time
	// Succeeded and Finished count the messages created since the window
	// start that ended in success, and that ended at all (success or failure).
	Succeeded int64
	Finished  int64
}

// HasMessages reports whether the endpoint was ever sent anything.
func (s EndpointSummary) HasMessages() bool { return s.LastMessageID != "" }

// SuccessRate is Succeeded/Finished as a percentage, and false when no
// message finished in the window.
func (s EndpointSummary) SuccessRate() (float64, bool) {
	if s.Finished == 0 {
		return 0, false
	}
	return 100 * float64(s.Succeeded) / float64(s.Finished), true
}

// EndpointSummaries returns, for each of the user's endpoints that has
// messages, its last message and its success counts since since. Two grouped
// queries, whatever the number of endpoints.
func (s *Store) EndpointSummaries(ctx context.Context, userID int64, since time.Time) (map[int64]EndpointSummary, error) {
	var last []struct {
		EndpointID int64
		ID         string
		State      string
		LastStatus int
		UpdatedAt  time.Time
	}
	// Message ids sort by creation time, so the greatest id is the newest.
	err := s.db.WithContext(ctx).Raw(`
		SELECT m.endpoint_id, m.id, m.state, m.last_status, m.updated_at
		FROM messages m
		JOIN (SELECT endpoint_id, MAX(id) AS id FROM messages WHERE user_id = ? GROUP BY endpoint_id) newest
		  ON newest.id = m.id`, userID).Scan(&last).Error
	if err != nil {
		return nil, fmt.Errorf("load last messages of user %d: %w", userID, err)
	}
	out := make(map[int64]EndpointSummary, len(last))
	for _, m := range last {
		out[m.EndpointID] = EndpointSummary{LastMessageID: m.ID, LastState: m.State, LastStatus: m.LastStatus, LastAt: m.UpdatedAt}
	}

	var counts []struct {
		EndpointID int64
		Succeeded  int64
		Finished   int64
	}
	err = s.db.WithContext(ctx).Raw(`
		SELECT endpoint_id,
		       SUM(CASE WHEN state = ? THEN 1 ELSE 0 END) AS succeeded,
		       SUM(CASE WHEN state IN (?, ?) THEN 1 ELSE 0 END) AS finished
		FROM messages
		WHERE user_id = ? AND created_at >= ?
		GROUP BY endpoint_id`, StateSucceeded, StateSucceeded, StateFailed, userID, since.UTC()).Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("count recent messages of user %d: %w", userID, err)
	}
	for _, c := range counts {
		sum := out[c.EndpointID]
		sum.Succeeded, sum.Finished = c.Succeeded, c.Finished
		out[c.EndpointID] = sum
	}
	return out, nil
}
