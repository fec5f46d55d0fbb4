package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// RateLimit allows at most Max counted events per Window for one subject (an
// account, an address, a user). The counters are rows, so every instance on
// one database shares them and the limit holds across the cluster.
type RateLimit struct {
	// Name tells limits apart in the counter keys, e.g. "login-address".
	Name   string
	Max    int
	Window time.Duration
}

// RateCounter is one subject's counter of a RateLimit. It approximates a
// sliding window from two fixed ones: the events of the current window plus
// the previous window's, weighted by how much of it still overlaps. That
// costs one row and one UPSERT per event, and has no burst of twice the
// limit at a window boundary.
type RateCounter struct {
	// ID is the limit's name and a hash of the subject: fixed length, and no
	// emails or addresses stored in clear.
	ID string `gorm:"primaryKey;size:80"`
	// WindowIndex numbers the current fixed window: Unix ms / window length.
	WindowIndex int64 `gorm:"not null"`
	Hits        int   `gorm:"not null"`
	PrevHits    int   `gorm:"not null"`
	// ExpiresAt is when the counter stops mattering (the end of the next
	// window), for pruning.
	ExpiresAt time.Time `gorm:"not null;index"`
}

// RateDecision is the answer to one counted event.
type RateDecision struct {
	Allowed bool
	// RetryAfter is how long until one more event would be allowed; zero
	// when this one was.
	RetryAfter time.Duration
}

// rateCounterID is the row key of subject's counter of l.
func rateCounterID(l RateLimit, subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return l.Name + ":" + hex.EncodeToString(sum[:16])
}

func (l RateLimit) windowIndex(now time.Time) int64 {
	return now.UnixMilli() / l.Window.Milliseconds()
}

// upsertRateHit counts one event in a single statement (atomic on both
// databases): within the same window it adds one; in the next window the
// current hits become the previous ones; later, both start over. A row
// already in a later window (another instance's clock is ahead) counts the
// event there rather than going back.
const upsertRateHit = `INSERT INTO rate_counters (id, window_index, hits, prev_hits, expires_at) VALUES (?, ?, 1, 0, ?)
ON CONFLICT (id) DO UPDATE SET
  prev_hits = CASE
    WHEN rate_counters.window_index >= excluded.window_index THEN rate_counters.prev_hits
    WHEN rate_counters.window_index = excluded.window_index - 1 THEN rate_counters.hits
    ELSE 0 END,
  hits = CASE WHEN rate_counters.window_index >= excluded.window_index THEN rate_counters.hits + 1 ELSE 1 END,
  window_index = CASE WHEN rate_counters.window_index >= excluded.window_index THEN rate_counters.window_index ELSE excluded.window_index END,
  expires_at = CASE WHEN rate_counters.window_index > excluded.window_index THEN rate_counters.expires_at ELSE excluded.expires_at END
RETURNING window_index, hits, prev_hits`

// HitRate counts one event of subject against l at now and says whether it
// is within the limit. Refused events are counted too, so a client that
// keeps hammering stays refused.
func (s *Store) HitRate(ctx context.Context, l RateLimit, subject string, now time.Time) (RateDecision, error) {
	if l.Max < 1 || l.Window < time.Millisecond {
		return RateDecision{}, fmt.Errorf("rate limit %q: want Max ≥ 1 and Window ≥ 1ms, got %d per %s", l.Name, l.Max, l.Window)
	}
	idx := l.windowIndex(now)
	expires := time.UnixMilli((idx + 2) * l.Window.Milliseconds()).UTC()
	var row RateCounter
	if err := s.db.WithContext(ctx).Raw(upsertRateHit, rateCounterID(l, subject), idx, expires).Scan(&row).Error; err != nil {
		return RateDecision{}, fmt.Errorf("count %s event: %w", l.Name, err)
	}
	return l.decide(row, now), nil
}

// decide weighs a counter (this event included) against the limit.
func (l RateLimit) decide(row RateCounter, now time.Time) RateDecision {
	w := float64(l.Window.Milliseconds())
	// elapsed is the part of the counter's window already gone, in [0, 1).
	elapsed := float64(now.UnixMilli()-row.WindowIndex*l.Window.Milliseconds()) / w
	elapsed = min(max(elapsed, 0), 1)
	hits, prev := float64(row.Hits), float64(row.PrevHits)
	if prev*(1-elapsed)+hits <= float64(l.Max) {
		return RateDecision{Allowed: true}
	}
	// The next event is allowed once the estimate without it is at most
	// Max-1.
	room := float64(l.Max - 1)
	var wait float64 // in windows
	if hits <= room {
		// The previous window's share is what is too much: wait until it
		// has slid far enough out, within this window.
		wait = max(1-elapsed-(room-hits)/prev, 0)
	} else {
		// This window alone is over: wait into the next one, until this
		// window's hits, then the previous ones, weigh little enough.
		wait = 1 - elapsed + (1 - room/hits)
	}
	retry := time.Duration(wait * w * float64(time.Millisecond))
	return RateDecision{RetryAfter: max(retry, time.Millisecond)}
}

// UndoRateHit takes back one event of subject counted at now, e.g. a login
// attempt that turned out to be right: only failures should count.
func (s *Store) UndoRateHit(ctx context.Context, l RateLimit, subject string, now time.Time) error {
	err := s.db.WithContext(ctx).Exec("UPDATE rate_counters SET hits = hits - 1 WHERE id = ? AND window_index = ? AND hits > 0",
		rateCounterID(l, subject), l.windowIndex(now)).Error
	if err != nil {
		return fmt.Errorf("undo %s event: %w", l.Name, err)
	}
	return nil
}

// ResetRate forgets subject's counter of l.
func (s *Store) ResetRate(ctx context.Context, l RateLimit, subject string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", rateCounterID(l, subject)).Delete(&RateCounter{}).Error; err != nil {
		return fmt.Errorf("reset %s counter: %w", l.Name, err)
	}
	return nil
}

// PruneRateCounters deletes the counters that no longer matter at now.
func (s *Store) PruneRateCounters(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&RateCounter{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune rate counters: %w", res.Error)
	}
	return res.RowsAffected, nil
}
