package webhook

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"gorm.io/gorm"

	"github.com/loadhook/loadhook/models"
)

// MigrateQueue brings the queue's tables up to date without building the
// engine, for `loadhook migrate`; NewService does the same on start.
func MigrateQueue(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("get sql handle: %w", err)
	}
	var driver riverdriver.Driver[*sql.Tx]
	if models.IsSQLite(db) {
		driver = riversqlite.New(sqlDB)
	} else {
		// Migrating needs no LISTEN connection.
		driver = riverdatabasesql.New(sqlDB)
	}
	return migrateQueue(ctx, driver)
}
