package models

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// Messages of one test run to one endpoint are delivered in the order their
// events were accepted. Each such message carries the run's key, indexed
// (idx_messages_run). A message accepted while an earlier one of its run is
// unfinished waits for the last of them (StateWaiting, no queue job); the
// transaction that stores that one's final state hands the waiting message
// to the queue. Nothing is written for the order beyond the message's own
// row: the run's unfinished messages are its chain. On Postgres both sides
// take a transaction-scoped advisory lock on the run's key, so a message is
// never left waiting for one that already finished, whichever instance
// accepts or delivers; SQLite runs one transaction at a time. See
// docs/decisions.md.

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

// unfinishedOfRun is the condition of idx_messages_run, word for word (see
// Message.RunKey): SQLite uses a partial index only for a query that
// repeats it. A message not succeeded or failed is in flight.
const unfinishedOfRun = "run_order_key <> 0 AND state <> '" + StateSucceeded + "' AND state <> '" + StateFailed + "'"

// waitingBehind is the condition of idx_messages_waiting (Message.WaitingFor).
const waitingBehind = "waiting_for <> '' AND state = '" + StateWaiting + "'"

// lockRuns takes, on Postgres, the advisory lock of each run key until tx
// ends. Every transaction takes them in key order (keys are sorted), so two
// never deadlock on them. On SQLite the one connection already serialises
// transactions.
func (s *Store) lockRuns(tx *Tx, keys []int64) error {
	if s.IsSQLite() {
		return nil
	}
	// unnest yields the array in order, and the locks are taken in it. The
	// array goes as its text form: GORM would spread a slice into a list.
	array := make([]string, len(keys))
	for i, k := range keys {
		array[i] = strconv.FormatInt(k, 10)
	}
	err := tx.db.Exec("SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k", "{"+strings.Join(array, ",")+"}").Error
	if err != nil {
		return fmt.Errorf("lock the order of %d test runs: %w", len(keys), err)
	}
	return nil
}

// OrderRuns decides, inside the publishing transaction, which of msgs (not
// yet stored, in acceptance order) wait for an earlier message of their
// run: those are set to StateWaiting with WaitingFor naming it, and must
// get no queue job.
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
	slices.Sort(keys)
	if err := s.lockRuns(tx, keys); err != nil {
		return err
	}
	var unfinished []runMessage
	err := tx.db.Model(&Message{}).Select("run_order_key, id, waiting_for").
		Where("run_order_key IN ? AND "+unfinishedOfRun, keys).Scan(&unfinished).Error
	if err != nil {
		return fmt.Errorf("find the unfinished messages of %d test runs: %w", len(keys), err)
	}
	last := lastOfRuns(unfinished)
	for _, k := range keys {
		prev := last[k] // "" when nothing of the run is unfinished
		for _, j := range groups[k] {
			if prev != "" {
				msgs[j].State, msgs[j].WaitingFor, msgs[j].NextAttemptAt = StateWaiting, prev, nil
			}
			// The next message of the run waits for this one.
			prev = msgs[j].ID
		}
	}
	return nil
}

// runMessage is an unfinished message of a test run.
type runMessage struct {
	RunKey     int64 `gorm:"column:run_order_key"`
	ID         string
	WaitingFor string
}

// lastOfRuns picks, per run, the end of the chain of its unfinished
// messages: the one no other waits for. There is one per run, unless a
// finished message was redelivered by hand; then the latest is taken.
func lastOfRuns(unfinished []runMessage) map[int64]string {
	waitedFor := map[string]bool{}
	for _, m := range unfinished {
		if m.WaitingFor != "" {
			waitedFor[m.WaitingFor] = true
		}
	}
	last := map[int64]string{}
	for _, m := range unfinished {
		if !waitedFor[m.ID] && cmp.Less(last[m.RunKey], m.ID) {
			last[m.RunKey] = m.ID
		}
	}
	return last
}

// ReleaseSuccessors runs inside the transaction that stores the final state
// of finished messages, after it: the messages that wait for one of them go
// back to pending, due now, and their ids are returned for the caller to
// queue in the same transaction.
func (s *Store) ReleaseSuccessors(tx *Tx, finished []*Message, now time.Time) ([]string, error) {
	var keys []int64
	var preds []string
	for _, m := range finished {
		if m.RunKey == 0 || catalog.InFlight(m.State) {
			continue
		}
		if !slices.Contains(keys, m.RunKey) {
			keys = append(keys, m.RunKey)
		}
		preds = append(preds, m.ID)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys)
	if err := s.lockRuns(tx, keys); err != nil {
		return nil, err
	}
	// One statement finds and releases them, through the partial index of
	// waiting messages (idx_messages_waiting): a long run's chain costs one
	// lookup per release, not a scan of what waits.
	var released []string
	err := tx.db.Raw(`UPDATE messages SET state = ?, waiting_for = '', next_attempt_at = ?, updated_at = ?
		WHERE waiting_for IN ? AND `+waitingBehind+` RETURNING id`, StatePending, now, now, preds).Scan(&released).Error
	if err != nil {
		return nil, fmt.Errorf("release the messages waiting for %d finished ones: %w", len(preds), err)
	}
	slices.Sort(released)
	return released, nil
}

// SaveMessageStateTx is SaveMessageState inside tx, for a final state that
// releases the messages waiting for it in the same commit.
func (s *Store) SaveMessageStateTx(tx *Tx, msg *Message) error {
	return saveMessageState(tx.db, msg)
}
