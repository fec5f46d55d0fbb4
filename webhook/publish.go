package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/loadhook/loadhook/models"
)

// Published is what Publish stored: the event and one message per endpoint.
type Published struct {
	EventID  string
	Messages []PublishedMessage
}

// PublishedMessage names one stored message.
type PublishedMessage struct {
	ID         string `json:"id"`
	EndpointID int64  `json:"endpointId"`
}

// Publish stores an event and a message with its queue job for every enabled
// endpoint of the user that subscribes to the event's type, in one
// transaction: when it returns nil, every delivery is durable.
func (s *Service) Publish(ctx context.Context, userID int64, in EventInput) (*Published, error) {
	return s.publish(ctx, userID, in, false, func(tx *gorm.DB) ([]models.Endpoint, error) {
		return s.store.SubscribedEndpoints(ctx, tx, userID, in.Type)
	})
}

// SendTest sends the sample event of eventType to one endpoint through the
// same queue, signing and retries as real events, whatever its subscriptions.
func (s *Service) SendTest(ctx context.Context, userID, endpointID int64, eventType string) (*PublishedMessage, error) {
	in, err := SampleEvent(eventType, s.cfg.BaseURL, time.Now())
	if err != nil {
		return nil, err
	}
	pub, err := s.publish(ctx, userID, in, true, func(tx *gorm.DB) ([]models.Endpoint, error) {
		var ep models.Endpoint
		err := tx.Where("id = ? AND user_id = ?", endpointID, userID).Take(&ep).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return []models.Endpoint{ep}, err
	})
	if err != nil {
		return nil, err
	}
	return &pub.Messages[0], nil
}

func (s *Service) publish(ctx context.Context, userID int64, in EventInput, test bool, targets func(*gorm.DB) ([]models.Endpoint, error)) (*Published, error) {
	body, err := BuildPayload(s.cfg.Source, in)
	if err != nil {
		return nil, fmt.Errorf("build payload: %w", err)
	}
	now := time.Now().UTC()
	event := models.Event{ID: models.NewID("evt_"), UserID: userID, Type: in.Type, Test: test, Payload: body, CreatedAt: now}
	pub := &Published{EventID: event.ID, Messages: []PublishedMessage{}}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		endpoints, err := targets(tx)
		if err != nil {
			return err
		}
		if err := tx.Create(&event).Error; err != nil {
			return fmt.Errorf("store event: %w", err)
		}
		if len(endpoints) == 0 {
			return nil
		}
		msgs := make([]models.Message, len(endpoints))
		jobs := make([]river.InsertManyParams, len(endpoints))
		for i, ep := range endpoints {
			msgs[i] = models.Message{
				ID: models.NewID("msg_"), EventID: event.ID, EndpointID: ep.ID, UserID: userID,
				EventType: in.Type, Test: test, State: models.StatePending, MaxAttempts: MaxAttempts,
				NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
			}
			jobs[i] = river.InsertManyParams{Args: DeliverArgs{MessageID: msgs[i].ID}}
			pub.Messages = append(pub.Messages, PublishedMessage{ID: msgs[i].ID, EndpointID: ep.ID})
		}
		if err := tx.Create(&msgs).Error; err != nil {
			return fmt.Errorf("store messages: %w", err)
		}
		return s.enqueue(ctx, tx, jobs)
	})
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", in.Type, err)
	}
	return pub, nil
}

// enqueue inserts queue jobs inside the caller's transaction: commit keeps
// both the rows and their jobs, rollback neither.
func (s *Service) enqueue(ctx context.Context, tx *gorm.DB, jobs []river.InsertManyParams) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("enqueue: not inside a database transaction")
	}
	if _, err := s.river.InsertManyTx(ctx, sqlTx, jobs); err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	return nil
}

// Redeliver makes one more attempt of a finished message, with the same
// webhook-id, through the queue.
func (s *Service) Redeliver(ctx context.Context, userID int64, messageID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var msg models.Message
		err := tx.Where("id = ? AND user_id = ?", messageID, userID).Take(&msg).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("load message %s: %w", messageID, err)
		}
		if msg.State == models.StatePending || msg.State == models.StateRetrying {
			return models.ErrNotRedeliverable
		}
		now := time.Now().UTC()
		err = tx.Model(&models.Message{}).Where("id = ?", msg.ID).Updates(map[string]any{
			"state": models.StatePending, "max_attempts": msg.Attempts + 1, "next_attempt_at": now, "updated_at": now,
		}).Error
		if err != nil {
			return fmt.Errorf("reopen message %s: %w", msg.ID, err)
		}
		return s.enqueue(ctx, tx, []river.InsertManyParams{{Args: DeliverArgs{MessageID: msg.ID}}})
	})
}
