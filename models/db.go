package models

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DefaultMaxConns is how many connections one instance opens to Postgres at
// most. Postgres allows 100 by default: four instances at 20 each, plus
// their listeners, stay below it.
const DefaultMaxConns = 20

// Option tunes Open.
type Option func(*openOptions)

type openOptions struct {
	maxConns    int
	busyTimeout time.Duration
}

// DefaultBusyTimeout is how long a SQLite write waits for a lock another
// process holds before it fails with ErrUnavailable.
const DefaultBusyTimeout = 5 * time.Second

// MaxConns bounds the Postgres connection pool (SQLite always uses one).
func MaxConns(n int) Option { return func(o *openOptions) { o.maxConns = n } }

// BusyTimeout sets how long a SQLite write waits for another process's lock
// (default DefaultBusyTimeout); tests shorten it.
func BusyTimeout(d time.Duration) Option { return func(o *openOptions) { o.busyTimeout = d } }

// IsPostgres reports whether dsn names a Postgres database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database named by dsn: a postgres:// URL, or else a
// SQLite file path. SQLite runs in WAL mode with foreign keys on and a busy
// timeout, through a single connection: the queue driver expects that, and
// one writer with no lock contention is also SQLite's fastest mode. Every
// commit is fsynced (SQLiteSynchronous), so an acknowledged event survives a
// power cut; the engine's group commits share the fsync. Only the queue's
// own bookkeeping opts out, one transaction at a time (InUnsyncedTx).
func Open(dsn string, opts ...Option) (*gorm.DB, error) {
	o := openOptions{maxConns: DefaultMaxConns, busyTimeout: DefaultBusyTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true}
	if IsPostgres(dsn) {
		// GORM pings on open, so a refused connection fails here.
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("connect to postgres: %w (is the server running and reachable, and below its max_connections? lower LOADHOOK_DB_MAX_CONNS if several instances share it)", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(o.maxConns)
		sqlDB.SetMaxIdleConns(o.maxConns)
		return db, nil
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	full := "file:" + dsn + sep + "_journal_mode=WAL&_busy_timeout=" + strconv.FormatInt(o.busyTimeout.Milliseconds(), 10) +
		"&_foreign_keys=on&_synchronous=" + SQLiteSynchronous + "&_txlock=immediate&_stmt_cache_size=128"
	registerSQLite.Do(func() {
		sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(sqlitePragmas, nil)
			return err
		}})
	})
	db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: full}), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	return db, nil
}

// SQLiteSynchronous is SQLite's synchronous setting: FULL fsyncs the WAL on
// every commit, so a commit that returned is on disk. NORMAL, SQLite's usual
// choice with WAL, fsyncs only at checkpoints and can lose the last commits
// (acknowledged events) to a power cut or an OS crash.
const SQLiteSynchronous = "FULL"

// sqliteDriver is mattn's driver with a hook that sets the pragmas the DSN
// cannot: temporary tables and indices in memory (River's queries make
// SQLite create dozens of temp files a second otherwise), and fewer WAL
// checkpoints under a steady write load.
const sqliteDriver = "sqlite3_loadhook"

const sqlitePragmas = "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;"

var registerSQLite sync.Once

// PostgresDSN is the connection URL of a Postgres db, for the queue's
// listener connections; "" on SQLite.
func PostgresDSN(db *gorm.DB) string {
	if d, ok := db.Dialector.(*postgres.Dialector); ok {
		return d.Config.DSN
	}
	return ""
}

// IsSQLite reports whether db talks to SQLite.
func IsSQLite(db *gorm.DB) bool {
	return db.Dialector.Name() == "sqlite"
}

// Migrate creates or updates every table.
func Migrate(db *gorm.DB) error {
	if err := db.AutoMigrate(AllModels()...); err != nil {
		return fmt.Errorf("migrate tables: %w", err)
	}
	// The order per test run once kept each run's last message in a table
	// of its own; the messages' run index holds it now (ordering.go).
	if err := db.Migrator().DropTable("test_run_tails"); err != nil {
		return fmt.Errorf("drop test_run_tails: %w", err)
	}
	return announceEndpointChanges(db)
}
