package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IdempotencyWindow is how long an Idempotency-Key of the event API keeps
// answering with its first event; after it, the key may be used again.
const IdempotencyWindow = 24 * time.Hour

// IdempotencyWindowText is IdempotencyWindow as the messages say it:
// "24 hours".
var IdempotencyWindowText = strconv.Itoa(int(IdempotencyWindow/time.Hour)) + " hours"

// MaxIdempotencyKeyLen bounds an Idempotency-Key header (Stripe's limit).
const MaxIdempotencyKeyLen = 255

// ErrIdempotencyMismatch means an Idempotency-Key came back with another body.
var ErrIdempotencyMismatch = errors.New("this Idempotency-Key was already used with a different request body in the last " + IdempotencyWindowText + ": send the same body to get the first answer, or use a new key for a new event")

// IdempotencyKey remembers which event a user's Idempotency-Key created, and
// a hash of the request that did, so a retried POST (another instance, after
// a cut-off answer) returns the first answer instead of a second event.
type IdempotencyKey struct {
	UserID      int64     `gorm:"primaryKey;autoIncrement:false"`
	Key         string    `gorm:"primaryKey;size:255"`
	RequestHash string    `gorm:"size:64;not null"`
	EventID     string    `gorm:"size:40;not null"`
	CreatedAt   time.Time `gorm:"not null;index"`
}

// ClaimIdempotencyKey records k inside tx, the transaction that stores its
// event, and reports whether this request owns the key: false when the key
// was used within IdempotencyWindow (by a transaction that committed; on
// Postgres a concurrent one is waited for). An older use is replaced.
func ClaimIdempotencyKey(tx *Tx, k *IdempotencyKey) (bool, error) {
	res := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"request_hash", "event_id", "created_at"}),
		Where: clause.Where{Exprs: []clause.Expression{
			clause.Lt{Column: clause.Column{Table: "idempotency_keys", Name: "created_at"}, Value: k.CreatedAt.Add(-IdempotencyWindow)},
		}},
	}).Create(k)
	if res.Error != nil {
		return false, fmt.Errorf("claim idempotency key: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// IdempotentEvent finds the event a user's key created within the window
// and its messages, or ErrIdempotencyMismatch when the key came with
// another request, or ErrNotFound.
func (s *Store) IdempotentEvent(ctx context.Context, userID int64, key, requestHash string) (string, []Message, error) {
	var k IdempotencyKey
	err := s.db.WithContext(ctx).Where("user_id = ? AND key = ? AND created_at >= ?", userID, key, time.Now().Add(-IdempotencyWindow)).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("load idempotency key: %w", err)
	}
	if k.RequestHash != requestHash {
		return "", nil, ErrIdempotencyMismatch
	}
	var msgs []Message
	if err := s.db.WithContext(ctx).Select("id", "endpoint_id").Where("event_id = ?", k.EventID).Order("id").Find(&msgs).Error; err != nil {
		return "", nil, fmt.Errorf("load messages of event %s: %w", k.EventID, err)
	}
	return k.EventID, msgs, nil
}

// PruneIdempotencyKeys deletes keys older than the window.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", now.Add(-IdempotencyWindow)).Delete(&IdempotencyKey{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
