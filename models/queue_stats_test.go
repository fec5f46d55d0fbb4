package models

import (
	"strings"
	"testing"
	"time"
)

// QueueStats is what /metrics reads for the queue's depth and lag: open
// messages counted, the oldest due one's wait, on either database.
func TestQueueStats(t *testing.T) {
	s := openTestStore(t)
	u, err := s.CreateUser(t.Context(), "queue@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	ep := &Endpoint{UserID: u.ID, URL: "https://example.com/hook", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_x"}
	if err := s.CreateEndpoint(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	if pending, oldest, err := s.QueueStats(t.Context()); err != nil || pending != 0 || oldest != 0 {
		t.Fatalf("empty queue: %d pending, oldest due %v, err %v", pending, oldest, err)
	}
	now := time.Now().UTC()
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	var msgs []Message
	for _, m := range []struct {
		state string
		due   *time.Time
	}{
		{StatePending, at(-3 * time.Second)},  // due 3 s ago: the oldest
		{StateRetrying, at(-1 * time.Second)}, // due 1 s ago
		{StateRetrying, at(time.Minute)},      // not yet due
		{StateSucceeded, nil},                 // final: not counted
		{StateFailed, nil},                    // final: not counted
		{StateWaiting, nil},                   // held, no job: not counted
	} {
		msgs = append(msgs, Message{ID: NewID(MessageIDPrefix), EventID: NewID(EventIDPrefix), EndpointID: ep.ID, UserID: u.ID,
			EventType: "TEST_STARTED", State: m.state, MaxAttempts: 4, NextAttemptAt: m.due, CreatedAt: now.Add(-time.Hour), UpdatedAt: now})
	}
	if err := s.db.Create(&msgs).Error; err != nil {
		t.Fatal(err)
	}
	pending, oldest, err := s.QueueStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if pending != 3 {
		t.Errorf("pending = %d, want 3 (pending and retrying only)", pending)
	}
	if oldest < 3*time.Second || oldest > 30*time.Second {
		t.Errorf("oldest due = %v, want about 3 s (the pending message's due time, not its creation an hour ago)", oldest)
	}
}

// A scrape must not read every message: on SQLite it would hold the one
// connection for as long (140 ms on a million messages).
func TestQueueStatsReadsTheEndpointStateIndex(t *testing.T) {
	s := openTestStore(t)
	if !s.IsSQLite() {
		t.Skip("the plan checked is SQLite's")
	}
	for _, q := range []string{
		"SELECT count(*) FROM messages WHERE " + openMessages,
		"SELECT next_attempt_at, created_at FROM messages WHERE " + openMessages + " ORDER BY COALESCE(next_attempt_at, created_at) LIMIT 1",
	} {
		if plan := sqlitePlan(t, s, q); !strings.Contains(plan, "idx_messages_endpoint_state") || strings.Contains(plan, "SCAN messages") {
			t.Errorf("%s\nplan: %s\nwant a search of idx_messages_endpoint_state, not a scan of messages", q, plan)
		}
	}
}
