package models

import (
	"database/sql"
	"path/filepath"
	"testing"

	"gorm.io/gorm"
)

// openSQLite opens a fresh SQLite file as Open does for the server, closed
// when the test ends.
func openSQLite(t *testing.T) (*gorm.DB, *sql.DB) {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	return db, pool
}

// TestOpenSQLitePragmas checks the settings every SQLite connection gets,
// durability first: with synchronous=NORMAL a power cut could take back
// events the API had already acknowledged.
func TestOpenSQLitePragmas(t *testing.T) {
	_, sqlDB := openSQLite(t)
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"synchronous", "2"}, // FULL: every commit is fsynced
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"temp_store", "2"}, // MEMORY
		{"wal_autocheckpoint", "10000"},
	} {
		t.Run(tc.pragma, func(t *testing.T) {
			var got string
			if err := sqlDB.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
			}
			if got != tc.want {
				t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
			}
		})
	}
}
