package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// ErrUnavailable means the database could not take the work just now: a
// SQLite file locked by someone else past the busy timeout, a lost or refused
// Postgres connection, a server out of connections. Nothing was stored, and
// the same request may well succeed a moment later.
var ErrUnavailable = errors.New("the database is unavailable")

// Unavailable marks err with ErrUnavailable when it is one of the database's
// passing conditions rather than a fault of the request or the code; any
// other error comes back unchanged.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || !isPassing(err) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func isPassing(err error) bool {
	var liteErr sqlite3.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code == sqlite3.ErrBusy || liteErr.Code == sqlite3.ErrLocked
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),  // insufficient resources: too many connections, disk full
			strings.HasPrefix(pgErr.Code, "57P"), // the server is shutting down or starting
			pgErr.Code == "40001",                // serialization failure
			pgErr.Code == "40P01",                // deadlock detected
			pgErr.Code == "55P03":                // lock not available
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded)
}
