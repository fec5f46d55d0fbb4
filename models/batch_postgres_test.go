package models

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestRecordAttemptsSavesEveryState records a batch of attempts whose
// messages end in different states, and checks that every message row got
// its own new state: on Postgres the batch is one UPDATE over arrays, with
// NULL times among them.
func TestRecordAttemptsSavesEveryState(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	created := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	first := created.Add(time.Second)
	next := created.Add(time.Hour)
	if err := s.db.Create(&Event{ID: "evt_1", UserID: 1, Type: "TEST_STARTED", Payload: []byte(`{}`), CreatedAt: created}).Error; err != nil {
		t.Fatal(err)
	}
	want := []Message{
		{ID: "msg_ok", State: StateSucceeded, Attempts: 1, MaxAttempts: 4, FirstAttemptAt: &first, LastStatus: 200, LastDurationMs: 3},
		{ID: "msg_retry", State: StateRetrying, Attempts: 2, MaxAttempts: 4, FirstAttemptAt: &first, NextAttemptAt: &next, LastStatus: 500, LastDurationMs: 7},
		{ID: "msg_failed", State: StateFailed, Attempts: 5, MaxAttempts: 5, FirstAttemptAt: &first, LastErrorClass: "timeout", LastDurationMs: 10000},
	}
	var records []AttemptRecord
	for i := range want {
		if err := s.db.Create(&Message{ID: want[i].ID, EventID: "evt_1", EndpointID: 1, UserID: 1, EventType: "TEST_STARTED",
			State: StatePending, MaxAttempts: 4, NextAttemptAt: &created, CreatedAt: created, UpdatedAt: created}).Error; err != nil {
			t.Fatal(err)
		}
		msg := want[i]
		records = append(records, AttemptRecord{
			Attempt: &Attempt{MessageID: msg.ID, EndpointID: 1, Number: msg.Attempts, StartedAt: first, URL: "https://example.com",
				RequestHeaders: "{}", ResponseStatus: msg.LastStatus, DurationMs: msg.LastDurationMs, Success: msg.State == StateSucceeded},
			Message: &msg,
		})
	}
	if err := s.RecordAttempts(ctx, records, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		got, err := s.Message(ctx, 1, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != w.State || got.Attempts != w.Attempts || got.MaxAttempts != w.MaxAttempts ||
			got.LastStatus != w.LastStatus || got.LastErrorClass != w.LastErrorClass || got.LastDurationMs != w.LastDurationMs {
			t.Errorf("%s: got state %s, attempts %d/%d, last %d %q %d ms; want %s, %d/%d, %d %q %d ms", w.ID,
				got.State, got.Attempts, got.MaxAttempts, got.LastStatus, got.LastErrorClass, got.LastDurationMs,
				w.State, w.Attempts, w.MaxAttempts, w.LastStatus, w.LastErrorClass, w.LastDurationMs)
		}
		if !sameTime(got.FirstAttemptAt, w.FirstAttemptAt) || !sameTime(got.NextAttemptAt, w.NextAttemptAt) {
			t.Errorf("%s: got first %v next %v, want %v %v", w.ID, got.FirstAttemptAt, got.NextAttemptAt, w.FirstAttemptAt, w.NextAttemptAt)
		}
		if !got.UpdatedAt.After(created) {
			t.Errorf("%s: updated_at %v not moved on from %v", w.ID, got.UpdatedAt, created)
		}
	}
	var attempts int64
	if err := s.db.Model(&Attempt{}).Count(&attempts).Error; err != nil || attempts != int64(len(want)) {
		t.Errorf("attempts recorded: %d (%v), want %d", attempts, err, len(want))
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// TestMessageStatesReadByIndex saves a batch of states on a messages table
// that has grown from empty and was never analysed, as in the first minute
// of a fresh database under load. The planner then takes the table for
// small; the update must still find its rows by primary key, not by a scan
// of every message per batch, which made it most of Postgres' cost per
// delivery.
func TestMessageStatesReadByIndex(t *testing.T) {
	s := openTestStore(t)
	if s.IsSQLite() {
		t.Skip("the plan checked is Postgres'")
	}
	now := time.Now().UTC()
	msgs := make([]*Message, 3000)
	for i := range msgs {
		msgs[i] = &Message{ID: fmt.Sprintf("msg_%05d", i), EventID: "evt_1", EndpointID: 1, UserID: 1, EventType: "TEST_STARTED",
			State: StatePending, MaxAttempts: 4, CreatedAt: now, UpdatedAt: now}
	}
	if err := s.db.CreateInBatches(msgs, 500).Error; err != nil {
		t.Fatal(err)
	}
	batch := msgs[1000:1016]
	for _, msg := range batch {
		msg.State, msg.Attempts, msg.LastStatus = StateSucceeded, 1, 200
	}
	// This backend's counts, read twice in one transaction: other sessions
	// cannot move them, and they are not flushed in between.
	seqScans := func(tx *gorm.DB) (n int64) {
		if err := tx.Raw("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'messages'").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	err := s.db.Transaction(func(tx *gorm.DB) error {
		before := seqScans(tx)
		if err := saveMessageStates(tx, batch); err != nil {
			return err
		}
		if scans := seqScans(tx) - before; scans != 0 {
			t.Errorf("the state update of %d messages scanned the messages table %d times; want it read by index", len(batch), scans)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var done int64
	if err := s.db.Model(&Message{}).Where("state = ?", StateSucceeded).Count(&done).Error; err != nil || done != int64(len(batch)) {
		t.Errorf("messages succeeded: %d (%v), want %d", done, err, len(batch))
	}
}
