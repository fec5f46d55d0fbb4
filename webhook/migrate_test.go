package webhook

import (
	"context"
	"os"
	"testing"

	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

func TestMigrateQueueCreatesTheQueueTablesOnce(t *testing.T) {
	db, err := models.Open(testdb.DSN(t, os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	if db.Migrator().HasTable("river_job") {
		t.Fatal("a fresh database already has river_job")
	}
	ctx := context.Background()
	store := models.NewStore(db, nil)
	if err := MigrateQueue(ctx, store); err != nil {
		t.Fatal(err)
	}
	if !db.Migrator().HasTable("river_job") {
		t.Fatal("no river_job table after MigrateQueue")
	}
	// Again on an up-to-date database: nothing to do, no error (migrate
	// runs before every serve).
	if err := MigrateQueue(ctx, store); err != nil {
		t.Fatalf("second MigrateQueue: %v", err)
	}
}
