package webhook

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/loadhook/loadhook/models"
)

// MigrateQueue brings the queue's tables up to date without building the
// engine, for `loadhook migrate`; NewService does the same on start.
func MigrateQueue(ctx context.Context, store *models.Store) error {
	sqlDB, err := store.Pool()
	if err != nil {
		return err
	}
	var driver riverdriver.Driver[*sql.Tx]
	if store.IsSQLite() {
		driver = riversqlite.New(sqlDB)
	} else {
		// Migrating needs no LISTEN connection.
		driver = riverdatabasesql.New(sqlDB)
	}
	return migrateQueue(ctx, driver)
}
