package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
)

func TestUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"sqlite busy", sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{"sqlite locked, wrapped", fmt.Errorf("store events: %w", sqlite3.Error{Code: sqlite3.ErrLocked}), true},
		{"sqlite constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{"postgres connection lost", &pgconn.PgError{Code: "08006"}, true},
		{"postgres too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres deadlock", &pgconn.PgError{Code: "40P01"}, true},
		{"postgres syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"bad connection", driver.ErrBadConn, true},
		{"commit timed out", fmt.Errorf("commit: %w", context.DeadlineExceeded), true},
		{"not found", gorm.ErrRecordNotFound, false},
		{"a bug", errors.New("store events: column count mismatch"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unavailable(tt.err)
			if is := errors.Is(got, ErrUnavailable); is != tt.want {
				t.Fatalf("Unavailable(%v) is ErrUnavailable: %v, want %v", tt.err, is, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Fatalf("Unavailable(%v) = %v lost the original error", tt.err, got)
			}
		})
	}
	if Unavailable(nil) != nil {
		t.Fatal("Unavailable(nil) is not nil")
	}
}
