package models

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/mattn/go-sqlite3"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to the database named by dsn: a postgres:// URL, or else a
// SQLite file path. SQLite runs in WAL mode with foreign keys on and a busy
// timeout, through a single connection: the queue driver expects that, and
// one writer with no lock contention is also SQLite's fastest mode.
func Open(dsn string) (*gorm.DB, error) {
	cfg := &gorm.Config{Logger: logger.Discard, TranslateError: true}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(40)
		sqlDB.SetMaxIdleConns(40)
		return db, nil
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	full := "file:" + dsn + sep + "_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate&_stmt_cache_size=128"
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

// sqliteDriver is mattn's driver with a hook that sets the pragmas the DSN
// cannot: temporary tables and indices in memory (River's queries make
// SQLite create dozens of temp files a second otherwise), and fewer WAL
// checkpoints under a steady write load.
const sqliteDriver = "sqlite3_loadhook"

const sqlitePragmas = "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;"

var registerSQLite sync.Once

// IsSQLite reports whether db talks to SQLite.
func IsSQLite(db *gorm.DB) bool {
	return db.Dialector.Name() == "sqlite"
}

// Migrate creates or updates every table.
func Migrate(db *gorm.DB) error {
	if err := db.AutoMigrate(AllModels()...); err != nil {
		return fmt.Errorf("migrate tables: %w", err)
	}
	return nil
}
