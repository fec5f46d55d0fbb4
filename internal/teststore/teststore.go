// Package teststore opens a migrated store over a test database, as the
// handler and engine tests each need one.
package teststore

import (
	"testing"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/models"
)

// secret seals the endpoint secrets; every store over one database must
// seal with the same one, so it is fixed.
const secret = "a test server secret, long enough"

// Open opens the database dsn names (testdb.DSN gives a fresh one), migrates
// it and returns a store over it with the test's own handle on its rows,
// closed when the test ends.
func Open(t testing.TB, dsn string, opts ...models.Option) (*models.Store, *gorm.DB) {
	t.Helper()
	db, err := models.Open(dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	if err := models.Migrate(db); err != nil {
		t.Fatal(err)
	}
	sealer, err := models.NewSealer([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, sealer), db
}
