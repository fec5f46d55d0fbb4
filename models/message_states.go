package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// saveMessageStates stores the new states of several messages, as
// saveMessageState does for one. On Postgres that is one UPDATE for the
// whole batch, its values passed as arrays: a statement per message cost a
// round trip and a statement's overhead in both processes per delivery
// (BENCHMARKS.md). SQLite, in process, keeps one statement per message.
func saveMessageStates(tx *gorm.DB, msgs []*Message) error {
	switch {
	case len(msgs) == 0:
		return nil
	case IsSQLite(tx):
		return saveMessageStatesSQLite(tx, msgs)
	}
	now := time.Now().UTC()
	n := len(msgs)
	var (
		ids, states, classes  = make([]string, n), make([]string, n), make([]string, n)
		attempts, maxAttempts = make([]int64, n), make([]int64, n)
		statuses, durations   = make([]int64, n), make([]int64, n)
		firsts, nexts         = make([]*time.Time, n), make([]*time.Time, n)
	)
	for i, msg := range msgs {
		msg.UpdatedAt = now
		ids[i], states[i], classes[i] = msg.ID, msg.State, msg.LastErrorClass
		attempts[i], maxAttempts[i] = int64(msg.Attempts), int64(msg.MaxAttempts)
		statuses[i], durations[i] = int64(msg.LastStatus), msg.LastDurationMs
		firsts[i], nexts[i] = msg.FirstAttemptAt, msg.NextAttemptAt
	}
	// Straight to the connection: GORM would expand each slice into a list.
	// Until autovacuum first analyses a fresh table (a minute in), the
	// planner takes it for small and joins the batch to a scan of every
	// message: over a 20,000-delivery run, 0.7 ms a row and most of
	// Postgres' time per delivery (BENCHMARKS.md). Scans are put out of its
	// reach for the rest of this transaction, whose every statement reads
	// by index.
	ctx := tx.Statement.Context
	if _, err := tx.Statement.ConnPool.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		return fmt.Errorf("save state of %d messages: %w", n, err)
	}
	_, err := tx.Statement.ConnPool.ExecContext(ctx, `
UPDATE messages SET state = v.state, attempts = v.attempts, max_attempts = v.max_attempts,
	first_attempt_at = v.first_attempt_at, next_attempt_at = v.next_attempt_at,
	last_status = v.last_status, last_error_class = v.last_error_class,
	last_duration_ms = v.last_duration_ms, updated_at = $10
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::timestamptz[],
	$7::bigint[], $8::text[], $9::bigint[])
	AS v(id, state, attempts, max_attempts, first_attempt_at, next_attempt_at, last_status, last_error_class, last_duration_ms)
WHERE messages.id = v.id`,
		ids, states, attempts, maxAttempts, firsts, nexts, statuses, classes, durations, now)
	if err != nil {
		return fmt.Errorf("save state of %d messages: %w", n, err)
	}
	return nil
}

// saveMessageStatesSQLite runs one UPDATE per message, straight on the
// transaction: GORM's reflection over the model cost more per delivery
// than SQLite's work on the row (BENCHMARKS.md). The driver keeps the
// statement prepared between calls (_stmt_cache_size in Open); preparing it
// here would parse it again for every batch, a batch of one at light load.
func saveMessageStatesSQLite(tx *gorm.DB, msgs []*Message) error {
	ctx := tx.Statement.Context
	now := time.Now().UTC()
	for _, msg := range msgs {
		msg.UpdatedAt = now
		_, err := tx.Statement.ConnPool.ExecContext(ctx, sqliteStateUpdate, msg.State, msg.Attempts, msg.MaxAttempts,
			msg.FirstAttemptAt, msg.NextAttemptAt, msg.LastStatus, msg.LastErrorClass, msg.LastDurationMs, now, msg.ID)
		if err != nil {
			return fmt.Errorf("save state of %s: %w", msg.ID, err)
		}
	}
	return nil
}

const sqliteStateUpdate = `UPDATE messages SET state = ?, attempts = ?, max_attempts = ?,
	first_attempt_at = ?, next_attempt_at = ?, last_status = ?, last_error_class = ?, last_duration_ms = ?, updated_at = ?
WHERE id = ?`
