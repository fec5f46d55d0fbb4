package models

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm/clause"

	"github.com/loadhook/loadhook/catalog"
)

// Messages of one test run to one endpoint are delivered in the order their
// events were accepted. Each such message carries the run's key; the
// test_run_tails table holds, per key, the message accepted last. A message
// accepted while its run's tail is unfinished waits for it (StateWaiting,
// no queue job); when the tail reaches a final state, the transaction that
// records it hands the waiting message to the queue. Both sides lock the
// tail row, so a message is never left waiting for one that already
// finished, whichever instance accepts or delivers. See docs/decisions.md.

// RunTail is the message of a test run to an endpoint accepted last, while
// it is unfinished; the row goes when that message reaches a final state.
// Its one index is the integer key (SQLite's rowid): a run costs one row
// written and one deleted.
type RunTail struct {
	RunKey        int64  `gorm:"column:run_order_key;primaryKey;autoIncrement:false"`
	EndpointID    int64  `gorm:"not null"`
	LastMessageID string `gorm:"size:40;not null"`
}

// TableName names the table after what it holds.
func (RunTail) TableName() string { return "test_run_tails" }

// RunKey names the ordered sequence of a test run's messages to one
// endpoint: 0 when the event carries no testRunId, which is never held.
// A 64-bit hash, so a run id of any length fits the key; two runs that
// share one (about 1 in 10^19 for a pair) are merely kept in one order.
func RunKey(endpointID int64, testRunID string) int64 {
	if testRunID == "" {
		return 0
	}
	sum := sha256.Sum256([]byte(strconv.FormatInt(endpointID, 10) + "\x00" + testRunID))
	if k := int64(binary.BigEndian.Uint64(sum[:8])); k != 0 {
		return k
	}
	return 1
}

// OrderRuns decides, inside the publishing transaction, which of msgs (not
// yet stored, in acceptance order) wait for an earlier message of their
// run: those are set to StateWaiting with WaitingFor naming it, and must
// get no queue job. It records each run's new tail.
func (s *Store) OrderRuns(tx *Tx, msgs []Message) error {
	groups := map[int64][]int{}
	var keys []int64
	for i := range msgs {
		k := msgs[i].RunKey
		if k == 0 {
			continue
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	if len(keys) == 0 {
		return nil
	}
	// Every transaction takes the tail rows in key order: no deadlocks.
	slices.Sort(keys)
	fresh := make([]RunTail, len(keys))
	for i, k := range keys {
		first := msgs[groups[k][0]]
		fresh[i] = RunTail{RunKey: k, EndpointID: first.EndpointID, LastMessageID: first.ID}
	}
	// A row for every run first, so that the lock below also covers a run
	// two transactions see for the first time at once (the second waits
	// for the first's insert).
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(fresh, 100)
	if res.Error != nil {
		return fmt.Errorf("note the tails of %d test runs: %w", len(keys), res.Error)
	}
	// The tail as this transaction found it, and whether it is unfinished.
	found := make(map[int64]string, len(keys))
	before := make(map[int64]string, len(keys))
	if res.RowsAffected == int64(len(fresh)) {
		// Every run is new: this transaction holds all their rows, and no
		// message is before these.
		for _, t := range fresh {
			found[t.RunKey] = t.LastMessageID
		}
	} else {
		var tails []struct {
			RunKey        int64 `gorm:"column:run_order_key"`
			LastMessageID string
			State         *string
		}
		err := tx.db.Table("test_run_tails").
			Select("test_run_tails.run_order_key, test_run_tails.last_message_id, messages.state").
			Joins("LEFT JOIN messages ON messages.id = test_run_tails.last_message_id").
			Where("test_run_tails.run_order_key IN ?", keys).Order("test_run_tails.run_order_key").
			Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Table: clause.Table{Name: "test_run_tails"}}).
			Scan(&tails).Error
		if err != nil {
			return fmt.Errorf("lock the tails of %d test runs: %w", len(keys), err)
		}
		for _, t := range tails {
			found[t.RunKey] = t.LastMessageID
			if t.State != nil && catalog.InFlight(*t.State) {
				before[t.RunKey] = t.LastMessageID
			}
		}
	}
	var moved []RunTail
	for i, k := range keys {
		group := groups[k]
		prev := before[k] // "" for a run seen first here, or whose tail finished
		if prev == msgs[group[0]].ID {
			prev = "" // the row this transaction just inserted
		}
		for _, j := range group {
			if prev != "" {
				msgs[j].State, msgs[j].WaitingFor, msgs[j].NextAttemptAt = StateWaiting, prev, nil
			}
			// The next message of the run waits for this one.
			prev = msgs[j].ID
		}
		last := msgs[group[len(group)-1]].ID
		if lastID, ok := found[k]; !ok || lastID != last {
			moved = append(moved, RunTail{RunKey: k, EndpointID: fresh[i].EndpointID, LastMessageID: last})
		}
	}
	if len(moved) == 0 {
		return nil
	}
	// An upsert: a row another transaction deleted after the insert above
	// (its tail finished) is written again.
	err := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "run_order_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_message_id"}),
	}).CreateInBatches(moved, 100).Error
	if err != nil {
		return fmt.Errorf("move the tails of %d test runs: %w", len(moved), err)
	}
	return nil
}

// ReleaseSuccessors runs inside the transaction that stores the final state
// of finished messages, after it: the messages that wait for one of them go
// back to pending, due now, and their ids are returned for the caller to
// queue in the same transaction. A run whose tail finished loses its row.
func (s *Store) ReleaseSuccessors(tx *Tx, finished []*Message, now time.Time) ([]string, error) {
	ids := map[string]int64{} // finished message → its run key
	var keys []int64
	for _, m := range finished {
		if m.RunKey == 0 || catalog.InFlight(m.State) {
			continue
		}
		if !slices.Contains(keys, m.RunKey) {
			keys = append(keys, m.RunKey)
		}
		ids[m.ID] = m.RunKey
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys)
	var tails []RunTail
	err := tx.db.Where("run_order_key IN ?", keys).Order("run_order_key").
		Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Find(&tails).Error
	if err != nil {
		return nil, fmt.Errorf("lock the tails of %d test runs: %w", len(keys), err)
	}
	var ended []int64 // runs with nothing left in flight
	followed := map[int64]bool{}
	for _, t := range tails {
		if _, ok := ids[t.LastMessageID]; ok {
			ended = append(ended, t.RunKey)
		} else {
			followed[t.RunKey] = true
		}
	}
	if len(ended) > 0 {
		if err := tx.db.Where("run_order_key IN ?", ended).Delete(&RunTail{}).Error; err != nil {
			return nil, fmt.Errorf("forget %d finished test runs: %w", len(ended), err)
		}
	}
	// Only a run with a message accepted after the finished one can have a
	// message waiting for it.
	var preds []string
	var endpoints []int64
	for _, m := range finished {
		if k, ok := ids[m.ID]; ok && followed[k] {
			preds = append(preds, m.ID)
			if !slices.Contains(endpoints, m.EndpointID) {
				endpoints = append(endpoints, m.EndpointID)
			}
		}
	}
	if len(preds) == 0 {
		return nil, nil
	}
	var released []string
	err = tx.db.Model(&Message{}).Where("endpoint_id IN ? AND state = ? AND waiting_for IN ?", endpoints, StateWaiting, preds).
		Order("id").Pluck("id", &released).Error
	if err != nil {
		return nil, fmt.Errorf("find the messages waiting for %d finished ones: %w", len(preds), err)
	}
	if len(released) == 0 {
		return nil, nil
	}
	err = tx.db.Model(&Message{}).Where("id IN ? AND state = ?", released, StateWaiting).
		Updates(map[string]any{"state": StatePending, "waiting_for": "", "next_attempt_at": now, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("release %d waiting messages: %w", len(released), err)
	}
	return released, nil
}

// SaveMessageStateTx is SaveMessageState inside tx, for a final state that
// releases the messages waiting for it in the same commit.
func (s *Store) SaveMessageStateTx(tx *Tx, msg *Message) error {
	return saveMessageState(tx.db, msg)
}
