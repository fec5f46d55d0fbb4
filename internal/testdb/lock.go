package testdb

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
)

// IsSQLite reports whether dsn, as DSN returned it, is a SQLite file.
func IsSQLite(dsn string) bool { return !strings.Contains(dsn, "://") }

// LockSQLite takes the write lock of the SQLite file at path on a connection
// of its own, as another process holding the file would, and keeps it until
// the returned release is called (or the test ends). Writers of the file
// wait their busy timeout and then fail; readers go on (WAL).
func LockSQLite(t testing.TB, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatalf("open %s to lock it: %v", path, err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("connect to %s to lock it: %v", path, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Errorf("unlock %s: %v", path, err)
		}
		conn.Close()
		db.Close()
	}
	t.Cleanup(release)
	return release
}
