package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
)

// Tx is one database transaction. Store methods that take a *Tx run inside
// it, so a caller can put several of them, and the job queue's inserts, in
// one commit; every other Store method opens its own.
type Tx struct {
	db *gorm.DB
}

// InTx runs fn in one transaction, committed when fn returns nil and rolled
// back otherwise. A failure of the database itself (locked, unreachable)
// comes back marked ErrUnavailable.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	return Unavailable(s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Tx{db: db})
	}))
}

// SQL is the database/sql transaction underneath, for the job queue's
// InsertTx: both of its drivers (SQLite and Postgres) work on *sql.Tx, so the
// jobs commit or roll back with the rows.
func (tx *Tx) SQL() (*sql.Tx, error) {
	sqlTx, ok := tx.db.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("not inside a database/sql transaction")
	}
	return sqlTx, nil
}

// Pool is the database/sql pool under the store, for the job queue, whose
// driver runs River's own SQL on it. Rows are read and written through Store
// methods only.
func (s *Store) Pool() (*sql.DB, error) {
	pool, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("get the database pool: %w", err)
	}
	return pool, nil
}

// IsSQLite reports whether the store is on SQLite.
func (s *Store) IsSQLite() bool { return IsSQLite(s.db) }

// PostgresDSN is the store's Postgres URL, for the queue's listener
// connections; "" on SQLite.
func (s *Store) PostgresDSN() string { return PostgresDSN(s.db) }

// Subscriptions are the enabled endpoints of some users, with the event
// types each receives.
type Subscriptions map[int64][]Endpoint

// SubscribedEndpoints reads, inside tx, the enabled endpoints of the given
// users: one query for a whole publish batch, not one per event. It reads
// only ids and subscriptions: publishing needs no secrets, so nothing is
// decrypted.
func (s *Store) SubscribedEndpoints(tx *Tx, userIDs []int64) (Subscriptions, error) {
	subs := Subscriptions{}
	if len(userIDs) == 0 {
		return subs, nil
	}
	var rows []Endpoint
	err := tx.db.Select("id", "user_id", "events").Where("user_id IN ? AND enabled = ?", userIDs, true).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list subscribed endpoints: %w", err)
	}
	for _, e := range rows {
		subs[e.UserID] = append(subs[e.UserID], e)
	}
	return subs, nil
}

// Of lists, in id order, the user's endpoints that receive eventType.
func (subs Subscriptions) Of(userID int64, eventType string) []int64 {
	var ids []int64
	for _, e := range subs[userID] {
		if e.Subscribes(eventType) {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// OwnEndpointEnabled reads, inside tx, whether one of the user's endpoints
// is enabled; ErrNotFound if the user has no such endpoint.
func (s *Store) OwnEndpointEnabled(tx *Tx, userID, endpointID int64) (bool, error) {
	return endpointEnabled(tx.db.Where("user_id = ?", userID), endpointID)
}

// endpointEnabled reads an endpoint's enabled column within the scope of q.
func endpointEnabled(q *gorm.DB, id int64) (bool, error) {
	var enabled []bool
	if err := q.Model(&Endpoint{}).Where("id = ?", id).Limit(1).Pluck("enabled", &enabled).Error; err != nil {
		return false, fmt.Errorf("read whether endpoint %d is enabled: %w", id, err)
	}
	if len(enabled) == 0 {
		return false, ErrNotFound
	}
	return enabled[0], nil
}

// CreateDeliveries stores, inside tx, events and their messages.
func (s *Store) CreateDeliveries(tx *Tx, events []Event, msgs []Message) error {
	if len(events) > 0 {
		if err := tx.db.CreateInBatches(events, 100).Error; err != nil {
			return fmt.Errorf("store %d events: %w", len(events), err)
		}
	}
	if len(msgs) > 0 {
		if err := tx.db.CreateInBatches(msgs, 100).Error; err != nil {
			return fmt.Errorf("store %d messages: %w", len(msgs), err)
		}
	}
	return nil
}

// ReopenMessage makes, inside tx, one more attempt of the user's finished
// message due now: ErrNotFound if there is none, ErrNotRedeliverable while
// it is still being attempted.
func (s *Store) ReopenMessage(tx *Tx, userID int64, messageID string, now time.Time) (*Message, error) {
	msg, err := first[Message](tx.db.Where("id = ? AND user_id = ?", messageID, userID), "message")
	if err != nil {
		return nil, err
	}
	if catalog.InFlight(msg.State) {
		return nil, ErrNotRedeliverable
	}
	msg.State, msg.MaxAttempts, msg.NextAttemptAt, msg.UpdatedAt = StatePending, msg.Attempts+1, &now, now
	// A redelivery stays outside its test run's order: it holds back no
	// later message of the run (ordering.go).
	msg.RunKey = 0
	err = tx.db.Model(&Message{}).Where("id = ?", msg.ID).
		Select("state", "max_attempts", "next_attempt_at", "updated_at", "run_order_key").Updates(msg).Error
	if err != nil {
		return nil, fmt.Errorf("reopen message %s: %w", msg.ID, err)
	}
	return msg, nil
}
