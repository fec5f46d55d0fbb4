package models

import (
	"os"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/internal/testdb"
)

// apiTokenBeforeScopes is the api_tokens table as it was before scopes.
type apiTokenBeforeScopes struct {
	ID        int64     `gorm:"primaryKey"`
	UserID    int64     `gorm:"not null;index"`
	Name      string    `gorm:"size:100;not null"`
	Prefix    string    `gorm:"size:16;not null"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"not null"`
}

func (apiTokenBeforeScopes) TableName() string { return "api_tokens" }

// Tokens made before scopes existed stay event-only once the column is
// added: on SQLite and, with LOADHOOK_TEST_POSTGRES, on Postgres.
func TestMigrateKeepsOldTokensEventOnly(t *testing.T) {
	db, err := Open(testdb.DSN(t, os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	if err := db.AutoMigrate(&apiTokenBeforeScopes{}); err != nil {
		t.Fatal(err)
	}
	old := apiTokenBeforeScopes{UserID: 1, Name: "old", Prefix: "lh_abcde", Hash: "h1"}
	if err := db.Create(&old).Error; err != nil {
		t.Fatal(err)
	}
	if err := Migrate(db); err != nil {
		t.Fatal(err)
	}
	var got APIToken
	if err := db.Where("id = ?", old.ID).Take(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.Scope != catalog.ScopeEvents || got.Allows(catalog.ScopeManage) {
		t.Errorf("old token scope = %q, want %q (event-only)", got.Scope, catalog.ScopeEvents)
	}
	manage, _ := NewAPIToken(1, "new")
	manage.Scope = catalog.ScopeManage
	if err := db.Create(manage).Error; err != nil {
		t.Fatal(err)
	}
	var fresh APIToken
	if err := db.Where("id = ?", manage.ID).Take(&fresh).Error; err != nil {
		t.Fatal(err)
	}
	if fresh.Scope != catalog.ScopeManage || !fresh.Allows(catalog.ScopeEvents) {
		t.Errorf("manage token scope = %q, want %q", fresh.Scope, catalog.ScopeManage)
	}
}
