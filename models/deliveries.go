package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Delivery is a message with its payload, as one attempt needs it.
type Delivery struct {
	Message Message
	Payload []byte
}

// LoadDelivery loads a message with its event's payload in one query.
func (s *Store) LoadDelivery(ctx context.Context, messageID string) (*Delivery, error) {
	var row struct {
		Message
		Payload []byte
	}
	err := s.db.WithContext(ctx).Table("messages").
		Select("messages.*, events.payload").
		Joins("JOIN events ON events.id = messages.event_id").
		Where("messages.id = ?", messageID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load message %s: %w", messageID, err)
	}
	return &Delivery{Message: row.Message, Payload: row.Payload}, nil
}

// AttemptRecord is one attempt with the message state it leads to.
type AttemptRecord struct {
	Attempt *Attempt
	Message *Message
}

// RecordAttempts stores attempts and their messages' new states in one
// transaction; the engine batches concurrent attempts into one commit.
// then, when not nil, runs last in the same transaction (the engine queues
// the messages that waited for the ones finished here).
func (s *Store) RecordAttempts(ctx context.Context, records []AttemptRecord, then func(*Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		attempts := make([]*Attempt, len(records))
		for i, r := range records {
			attempts[i] = r.Attempt
		}
		if err := tx.CreateInBatches(attempts, 100).Error; err != nil {
			return fmt.Errorf("record %d attempts: %w", len(attempts), err)
		}
		msgs := make([]*Message, len(records))
		for i, r := range records {
			msgs[i] = r.Message
		}
		if err := saveMessageStates(tx, msgs); err != nil {
			return err
		}
		if then != nil {
			return then(&Tx{db: tx})
		}
		return nil
	})
}

func saveMessageState(tx *gorm.DB, msg *Message) error {
	msg.UpdatedAt = time.Now().UTC()
	err := tx.Model(&Message{}).Where("id = ?", msg.ID).Select(
		"state", "attempts", "max_attempts", "first_attempt_at", "next_attempt_at",
		"last_status", "last_error_class", "last_duration_ms", "updated_at").Updates(msg).Error
	if err != nil {
		return fmt.Errorf("save state of %s: %w", msg.ID, err)
	}
	return nil
}

// SaveMessageState stores a message's state without an attempt.
func (s *Store) SaveMessageState(ctx context.Context, msg *Message) error {
	return saveMessageState(s.db.WithContext(ctx), msg)
}

// Message loads one of the user's messages.
func (s *Store) Message(ctx context.Context, userID int64, id string) (*Message, error) {
	return first[Message](s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID), "message")
}

// ErrNotRedeliverable is returned for a message that is still being attempted.
var ErrNotRedeliverable = errors.New("the message is still being delivered")

// PutOffFirstAttempt moves, inside tx, the first attempt of a message not yet
// attempted to at.
func (s *Store) PutOffFirstAttempt(tx *Tx, messageID string, at time.Time) error {
	err := tx.db.Model(&Message{}).Where("id = ? AND state = ? AND attempts = 0", messageID, StatePending).
		Updates(map[string]any{"next_attempt_at": at, "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("put off the first attempt of %s: %w", messageID, err)
	}
	return nil
}
