package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// InUnsyncedTx runs fn in a transaction on SQLite's connection whose commit
// is not fsynced (synchronous=NORMAL for that one commit), then sets the
// connection back to SQLiteSynchronous. It is for the queue's own
// bookkeeping, which a later fsynced commit makes durable with it (the WAL
// is written in order, and recovery keeps an unbroken run of commits) and
// whose loss to a power cut only runs a job again: never for anything a
// caller is told is stored. fn must use only tx: the pool has one
// connection, and fn holds it.
//
// A connection that cannot be set back is dropped, so that no later commit
// on it skips the fsync; the pool opens a fresh one from the DSN.
func (s *Store) InUnsyncedTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	if !s.IsSQLite() {
		return errors.New("unsynced transactions are a SQLite setting")
	}
	pool, err := s.Pool()
	if err != nil {
		return err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return Unavailable(fmt.Errorf("unsynced transaction: %w", err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		return fmt.Errorf("unsynced transaction: %w", err)
	}
	defer func() {
		_, restoreErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous="+SQLiteSynchronous)
		if restoreErr == nil || errors.Is(restoreErr, sql.ErrConnDone) {
			return // set back, or already discarded by database/sql
		}
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		// What fn committed stands; only a failure of its own is reported.
		if err != nil {
			err = errors.Join(err, fmt.Errorf("unsynced transaction: set synchronous back: %w", restoreErr))
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return Unavailable(fmt.Errorf("unsynced transaction: %w", err))
	}
	// Also on a panic in fn: an open transaction would keep conn.Close
	// waiting, with the only connection held.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return Unavailable(fmt.Errorf("unsynced transaction: commit: %w", err))
	}
	return nil
}
