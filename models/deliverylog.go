package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"gorm.io/gorm"
)

// DeliveryFilter narrows an endpoint's delivery log. Zero values match all.
type DeliveryFilter struct {
	State       string    // pending, retrying, succeeded, failed
	EventType   string    // e.g. TEST_STARTED
	StatusClass string    // a catalog.StatusClasses value: 2xx … 5xx, or none
	Since       time.Time // created at or after
	Until       time.Time // created before
	Search      string    // a message id (msg_…) or an event id (evt_…)
	// Before is the keyset cursor: only messages with a smaller id (older).
	Before string
	Limit  int
}

// Page sizes of Deliveries: a Limit of 0 or over the most is the default.
const (
	DefaultDeliveryPageSize = 50
	MaxDeliveryPageSize     = 200
)

// DeliveryPage is one page of the delivery log, newest first.
type DeliveryPage struct {
	Messages []Message
	// Next is the cursor of the following (older) page, "" on the last page.
	Next string
}

// Deliveries lists one endpoint's messages, newest first, keyset-paginated
// by id (ids sort by creation time).
func (s *Store) Deliveries(ctx context.Context, userID, endpointID int64, f DeliveryFilter) (*DeliveryPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxDeliveryPageSize {
		limit = DefaultDeliveryPageSize
	}
	q := s.db.WithContext(ctx).Model(&Message{}).Where("endpoint_id = ? AND user_id = ?", endpointID, userID)
	q = applyDeliveryFilter(q, f)
	var msgs []Message
	if err := q.Order("id DESC").Limit(limit + 1).Find(&msgs).Error; err != nil {
		return nil, fmt.Errorf("list deliveries of endpoint %d: %w", endpointID, err)
	}
	page := &DeliveryPage{Messages: msgs}
	if len(msgs) > limit {
		page.Messages = msgs[:limit]
		page.Next = msgs[limit-1].ID
	}
	return page, nil
}

func applyDeliveryFilter(q *gorm.DB, f DeliveryFilter) *gorm.DB {
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.EventType != "" {
		q = q.Where("event_type = ?", f.EventType)
	}
	if c, ok := catalog.LookupStatusClass(f.StatusClass); ok {
		if c.Answered() {
			q = q.Where("last_status >= ? AND last_status < ?", c.Min, c.Max)
		} else {
			q = q.Where("last_status = 0")
		}
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	if search := strings.TrimSpace(f.Search); search != "" {
		if strings.HasPrefix(search, EventIDPrefix) {
			q = q.Where("event_id = ?", search)
		} else {
			q = q.Where("id = ?", search)
		}
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	return q
}

// DeliveryDetail is one message with its payload and every attempt.
type DeliveryDetail struct {
	Message  Message
	Event    Event
	Attempts []Attempt
}

// DeliveryDetail loads one of the user's messages with its attempts, oldest first.
func (s *Store) DeliveryDetail(ctx context.Context, userID int64, messageID string) (*DeliveryDetail, error) {
	msg, err := s.Message(ctx, userID, messageID)
	if err != nil {
		return nil, err
	}
	d := &DeliveryDetail{Message: *msg}
	if err := s.db.WithContext(ctx).Where("id = ?", msg.EventID).Take(&d.Event).Error; err != nil {
		return nil, fmt.Errorf("load event of %s: %w", messageID, err)
	}
	if err := s.db.WithContext(ctx).Where("message_id = ?", msg.ID).Order("number").Find(&d.Attempts).Error; err != nil {
		return nil, fmt.Errorf("load attempts of %s: %w", messageID, err)
	}
	return d, nil
}

// FailedMessageIDs lists an endpoint's failed messages created in [since, until).
func (s *Store) FailedMessageIDs(ctx context.Context, userID, endpointID int64, since, until time.Time, max int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&Message{}).
		Where("endpoint_id = ? AND user_id = ? AND state = ? AND created_at >= ? AND created_at < ?",
			endpointID, userID, StateFailed, since.UTC(), until.UTC()).
		Order("id").Limit(max).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list failed messages of endpoint %d: %w", endpointID, err)
	}
	return ids, nil
}

// Health summarises an endpoint's attempts over a window.
type Health struct {
	Window    time.Duration
	Attempts  int64
	Succeeded int64
	P50, P95  time.Duration
}

// SuccessRate is the share of successful attempts, 0..1; -1 with no attempts.
func (h Health) SuccessRate() float64 {
	if h.Attempts == 0 {
		return -1
	}
	return float64(h.Succeeded) / float64(h.Attempts)
}

// EndpointHealth computes success rate and duration percentiles of an
// endpoint's attempts since now-window.
func (s *Store) EndpointHealth(ctx context.Context, endpointID int64, now time.Time, window time.Duration) (Health, error) {
	h := Health{Window: window}
	since := now.Add(-window).UTC()
	base := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&Attempt{}).Where("endpoint_id = ? AND started_at >= ?", endpointID, since)
	}
	var agg struct {
		Total, Ok int64
	}
	if err := base().Select("COUNT(*) AS total, COALESCE(SUM(CASE WHEN success THEN 1 ELSE 0 END), 0) AS ok").Scan(&agg).Error; err != nil {
		return h, fmt.Errorf("health of endpoint %d: %w", endpointID, err)
	}
	h.Attempts, h.Succeeded = agg.Total, agg.Ok
	if h.Attempts == 0 {
		return h, nil
	}
	for _, p := range []struct {
		q   float64
		out *time.Duration
	}{{0.50, &h.P50}, {0.95, &h.P95}} {
		var ms int64
		offset := int(float64(h.Attempts-1) * p.q)
		if err := base().Order("duration_ms").Offset(offset).Limit(1).Pluck("duration_ms", &ms).Error; err != nil {
			return h, fmt.Errorf("duration percentile of endpoint %d: %w", endpointID, err)
		}
		*p.out = time.Duration(ms) * time.Millisecond
	}
	return h, nil
}

// HourBucket counts an hour's attempts by outcome.
type HourBucket struct {
	Hour      time.Time
	Succeeded int
	Failed    int
}

// AttemptsPerHour counts an endpoint's attempts per hour over the last hours,
// oldest first, with empty hours included.
func (s *Store) AttemptsPerHour(ctx context.Context, endpointID int64, now time.Time, hours int) ([]HourBucket, error) {
	end := now.UTC().Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-time.Duration(hours) * time.Hour)
	// Group in Go rather than with a date function: portable across SQLite
	// and Postgres, and a week of one endpoint's attempts is small.
	rows, err := s.db.WithContext(ctx).Model(&Attempt{}).
		Where("endpoint_id = ? AND started_at >= ?", endpointID, start).
		Select("started_at, success").Rows()
	if err != nil {
		return nil, fmt.Errorf("attempts per hour of endpoint %d: %w", endpointID, err)
	}
	defer rows.Close()
	buckets := make([]HourBucket, hours)
	for i := range buckets {
		buckets[i].Hour = start.Add(time.Duration(i) * time.Hour)
	}
	for rows.Next() {
		var at time.Time
		var ok bool
		if err := rows.Scan(&at, &ok); err != nil {
			return nil, fmt.Errorf("scan attempt time: %w", err)
		}
		i := int(at.UTC().Sub(start) / time.Hour)
		if i < 0 || i >= hours {
			continue
		}
		if ok {
			buckets[i].Succeeded++
		} else {
			buckets[i].Failed++
		}
	}
	return buckets, rows.Err()
}
