package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// migrationLockKey is the Postgres advisory lock that serialises migrations
// when several instances start at once on an empty database: without it,
// two CREATE TABLEs race and one instance exits.
const migrationLockKey = 0x6c6f6164686f6f6b // "loadhook"

// WithMigrationLock runs fn while holding the cluster-wide migration lock.
// On SQLite, the single connection already serialises everything.
func WithMigrationLock(ctx context.Context, db *gorm.DB, fn func() error) error {
	if IsSQLite(db) {
		return fn()
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	// A session-level advisory lock belongs to one connection: hold that
	// connection aside until fn is done; fn migrates on the others.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("migration lock: acquire: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck // closing the connection releases it anyway
	return fn()
}

// Setting is one server-wide value kept in the database.
type Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value []byte `gorm:"not null"`
}

// secretCheckKey names the sealed value that proves a secret opens this
// database's data.
const secretCheckKey = "secret_check"

// secretCheckPlain is what the check value holds once opened.
var secretCheckPlain = []byte("loadhook secret check v1")

// ErrWrongSecret means the configured secret does not open the data already
// stored: every endpoint's headers and signing secret would be unreadable.
var ErrWrongSecret = errors.New("LOADHOOK_SECRET does not open the data already stored in this database; start this instance with the secret the database was created with (the other instances' LOADHOOK_SECRET)")

// CheckSecret proves the sealer's key opens the data already stored, by
// opening a sealed check value written on first start. Call it under the
// migration lock so two first starts with different secrets cannot both win.
func CheckSecret(ctx context.Context, db *gorm.DB, sealer *Sealer) error {
	var s Setting
	err := db.WithContext(ctx).Where("key = ?", secretCheckKey).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var n int64
		if err := db.WithContext(ctx).Model(&Endpoint{}).Count(&n).Error; err != nil {
			return fmt.Errorf("count endpoints: %w", err)
		}
		if n > 0 {
			// A database from before the check: prove the secret on a
			// stored endpoint instead of trusting it blindly.
			var ep Endpoint
			if err := db.WithContext(ctx).Order("id").Take(&ep).Error; err != nil {
				return fmt.Errorf("load an endpoint: %w", err)
			}
			if _, err := sealer.Open(ep.SecretSealed); err != nil {
				return ErrWrongSecret
			}
		}
		if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&Setting{Key: secretCheckKey, Value: sealer.Seal(secretCheckPlain)}).Error; err != nil {
			return fmt.Errorf("write secret check: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read secret check: %w", err)
	}
	if plain, err := sealer.Open(s.Value); err != nil || string(plain) != string(secretCheckPlain) {
		return ErrWrongSecret
	}
	return nil
}

// Instance is one running server process, seen alive at SeenAt. Instances
// heartbeat so that the others can tell a dead one from a busy one.
type Instance struct {
	ID        string    `gorm:"primaryKey;size:128"`
	StartedAt time.Time `gorm:"not null"`
	SeenAt    time.Time `gorm:"not null;index"`
}

// Heartbeat records that instance id is alive now.
func (s *Store) Heartbeat(ctx context.Context, id string, startedAt, now time.Time) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"seen_at"}),
	}).Create(&Instance{ID: id, StartedAt: startedAt, SeenAt: now}).Error
	if err != nil {
		return fmt.Errorf("heartbeat %s: %w", id, err)
	}
	return nil
}

// LiveInstances lists the instances seen since the given time.
func (s *Store) LiveInstances(ctx context.Context, since time.Time) ([]Instance, error) {
	return s.instances(ctx, "live", "seen_at >= ?", since)
}

// DeadInstances lists the instances not seen since the given time.
func (s *Store) DeadInstances(ctx context.Context, since time.Time) ([]Instance, error) {
	return s.instances(ctx, "dead", "seen_at < ?", since)
}

func (s *Store) instances(ctx context.Context, what, cond string, since time.Time) ([]Instance, error) {
	var out []Instance
	if err := s.db.WithContext(ctx).Where(cond, since).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list %s instances: %w", what, err)
	}
	return out, nil
}

// MarkInstanceGone dates an instance's last heartbeat to the epoch, so the
// others count it dead at once and take over its queue: at a clean stop
// that left jobs in it (scheduled retries, a backlog).
func (s *Store) MarkInstanceGone(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Model(&Instance{ID: id}).Update("seen_at", time.Unix(0, 0).UTC()).Error
	if err != nil {
		return fmt.Errorf("mark instance %s gone: %w", id, err)
	}
	return nil
}

// RemoveInstance deletes an instance's row: at a clean stop that left its
// queue empty, and for dead instances once their queue is drained.
func (s *Store) RemoveInstance(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Delete(&Instance{ID: id}).Error; err != nil {
		return fmt.Errorf("remove instance %s: %w", id, err)
	}
	return nil
}
