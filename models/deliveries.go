package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Delivery is everything one attempt of a message needs.
type Delivery struct {
	Message  Message
	Payload  []byte
	Endpoint *Endpoint
}

// LoadDelivery loads a message with its payload and endpoint for sending.
// A message whose endpoint was deleted is ErrNotFound.
func (s *Store) LoadDelivery(ctx context.Context, messageID string) (*Delivery, error) {
	msg, err := first[Message](s.db.WithContext(ctx).Where("id = ?", messageID), "message")
	if err != nil {
		return nil, err
	}
	var payload []byte
	if err := s.db.WithContext(ctx).Model(&Event{}).Where("id = ?", msg.EventID).Select("payload").Row().Scan(&payload); err != nil {
		return nil, fmt.Errorf("load payload of %s: %w", msg.EventID, err)
	}
	ep, err := s.EndpointByID(ctx, msg.EndpointID)
	if err != nil {
		return nil, fmt.Errorf("load endpoint of %s: %w", messageID, err)
	}
	return &Delivery{Message: *msg, Payload: payload, Endpoint: ep}, nil
}

// RecordAttempt stores an attempt and the message's new state together.
func (s *Store) RecordAttempt(ctx context.Context, a *Attempt, msg *Message) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(a).Error; err != nil {
			return fmt.Errorf("record attempt of %s: %w", a.MessageID, err)
		}
		return saveMessageState(tx, msg)
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
