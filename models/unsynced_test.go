package models

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// TestInUnsyncedTx checks that only the transaction InUnsyncedTx runs skips
// the fsync: the connection every other commit uses is FULL again after it,
// whether fn committed, failed or panicked.
func TestInUnsyncedTx(t *testing.T) {
	db, pool := openSQLite(t)
	if _, err := pool.Exec("CREATE TABLE jobs (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	store := NewStore(db, nil)
	synchronous := func(q interface {
		QueryRow(string, ...any) *sql.Row
	}) string {
		t.Helper()
		var got string
		if err := q.QueryRow("PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	failed := errors.New("fn failed")
	for _, tc := range []struct {
		name    string
		fnErr   error
		wantRow bool
	}{
		{"committed", nil, true},
		{"rolled back", failed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inside string
			err := store.InUnsyncedTx(context.Background(), func(tx *sql.Tx) error {
				inside = synchronous(tx)
				if _, err := tx.Exec("INSERT INTO jobs (id) VALUES (1)"); err != nil {
					return err
				}
				return tc.fnErr
			})
			if !errors.Is(err, tc.fnErr) {
				t.Fatalf("InUnsyncedTx = %v, want %v", err, tc.fnErr)
			}
			if inside != "1" {
				t.Errorf("synchronous inside = %s, want 1 (NORMAL)", inside)
			}
			if got := synchronous(pool); got != "2" {
				t.Errorf("synchronous after = %s, want 2 (FULL): later commits would not be fsynced", got)
			}
			var rows int
			if err := pool.QueryRow("SELECT count(*) FROM jobs").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if (rows == 1) != tc.wantRow {
				t.Errorf("rows = %d, want the insert kept: %v", rows, tc.wantRow)
			}
			if _, err := pool.Exec("DELETE FROM jobs"); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Last: should a panic leave the connection held, nothing after it could run.
	t.Run("fn panicked", func(t *testing.T) {
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			defer func() { _ = recover() }()
			_ = store.InUnsyncedTx(context.Background(), func(*sql.Tx) error { panic("fn panicked") })
		}()
		select {
		case <-returned:
		case <-time.After(5 * time.Second):
			t.Fatal("InUnsyncedTx did not return after fn panicked: its open transaction holds the only connection")
		}
		if got := synchronous(pool); got != "2" {
			t.Errorf("synchronous after a panic = %s, want 2 (FULL)", got)
		}
	})
}
