// Package testdb gives each test a fresh database: a SQLite file by default,
// or a new Postgres database when LOADHOOK_TEST_POSTGRES names a server
// (postgres://user@host:port), so the same tests prove the SQL portable.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvPostgres names the Postgres server tests use when it is set.
const EnvPostgres = "LOADHOOK_TEST_POSTGRES"

// DSN returns a database for one test, removed when the test ends.
func DSN(t testing.TB, getenv func(string) string) string {
	t.Helper()
	server := getenv(EnvPostgres)
	if server == "" {
		return t.TempDir() + "/test.db"
	}
	name := "lh_test_" + strings.ToLower(rand.Text()[:16])
	admin := func() *sql.DB {
		db, err := sql.Open("pgx", server+"/postgres")
		if err != nil {
			t.Fatalf("connect to %s: %v", server, err)
		}
		return db
	}
	db := admin()
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db := admin()
		defer db.Close()
		db.Exec("DROP DATABASE " + name + " WITH (FORCE)")
	})
	return server + "/" + name
}
