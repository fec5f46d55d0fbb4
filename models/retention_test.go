package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestPruneDeliveries checks that pruning removes exactly the old rows: old
// attempts, old finished messages, and events no message refers to any
// more; and that it does so in batches of the given size.
func TestPruneDeliveries(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Now().UTC()
	cutoff := now.Add(-30 * 24 * time.Hour)
	old, recent := now.Add(-40*24*time.Hour), now.Add(-time.Hour)

	event := func(id string, at time.Time) {
		t.Helper()
		if err := s.db.Create(&Event{ID: id, UserID: 1, Type: "TEST_STARTED", Payload: []byte(`{}`), CreatedAt: at}).Error; err != nil {
			t.Fatal(err)
		}
	}
	message := func(id, eventID, state string, at time.Time, attempts int, attemptAt time.Time) {
		t.Helper()
		m := Message{ID: id, EventID: eventID, EndpointID: 1, UserID: 1, EventType: "TEST_STARTED", State: state,
			Attempts: attempts, MaxAttempts: 4, CreatedAt: at, UpdatedAt: at}
		if err := s.db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= attempts; n++ {
			a := Attempt{MessageID: id, EndpointID: 1, Number: n, StartedAt: attemptAt.Add(time.Duration(n) * time.Second),
				URL: "https://example.com", RequestHeaders: "{}", DurationMs: 5, Success: n == attempts && state == StateSucceeded}
			if err := s.db.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
		}
	}

	// Old and finished: all of it goes, the event too.
	event("evt_old_done", old)
	message("msg_old_ok", "evt_old_done", StateSucceeded, old, 3, old)
	message("msg_old_failed", "evt_old_done", StateFailed, old, 4, old)
	// Old event whose message is still retrying: the message and event stay,
	// its old attempts go.
	event("evt_old_busy", old)
	message("msg_old_retrying", "evt_old_busy", StateRetrying, old, 2, old)
	// Old event, one old finished message and one recent one (a redelivery
	// reopened long after, say): the event stays for the recent message.
	event("evt_old_mixed", old)
	message("msg_mixed_old", "evt_old_mixed", StateFailed, old, 1, old)
	message("msg_mixed_new", "evt_old_mixed", StateSucceeded, recent, 1, recent)
	// Recent: untouched.
	event("evt_new", recent)
	message("msg_new_ok", "evt_new", StateSucceeded, recent, 2, recent)
	message("msg_new_pending", "evt_new", StatePending, recent, 0, recent)
	// An old event that never had a message (no endpoint subscribed).
	event("evt_old_lonely", old)

	var deletes []string
	countDeletes(t, s.db, &deletes)

	const batch = 2
	n, err := s.PruneDeliveries(ctx, cutoff, batch)
	if err != nil {
		t.Fatal(err)
	}
	// 3+4+2+1 old attempts, 3 old finished messages, 2 events.
	if n != 10+3+2 {
		t.Errorf("pruned %d rows, want 15", n)
	}

	ids := func(table, col string) []string {
		t.Helper()
		var out []string
		if err := s.db.Table(table).Order(col).Pluck(col, &out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got, want := ids("messages", "id"), []string{"msg_mixed_new", "msg_new_ok", "msg_new_pending", "msg_old_retrying"}; !slices.Equal(got, want) {
		t.Errorf("messages left = %v, want %v", got, want)
	}
	if got, want := ids("events", "id"), []string{"evt_new", "evt_old_busy", "evt_old_mixed"}; !slices.Equal(got, want) {
		t.Errorf("events left = %v, want %v", got, want)
	}
	var left []string
	if err := s.db.Model(&Attempt{}).Order("message_id, number").
		Select("message_id || '#' || number").Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"msg_mixed_new#1", "msg_new_ok#1", "msg_new_ok#2"}; !slices.Equal(left, want) {
		t.Errorf("attempts left = %v, want %v", left, want)
	}

	// 10 old attempts in batches of 2 take 6 statements (the last finds
	// none); 3 messages take 2; 2 events take 2.
	perTable := map[string]int{}
	for _, sql := range deletes {
		for _, table := range []string{"attempts", "messages", "events"} {
			if strings.HasPrefix(sql, "DELETE FROM "+table+" ") {
				perTable[table]++
			}
		}
	}
	if want := map[string]int{"attempts": 6, "messages": 2, "events": 2}; fmt.Sprint(perTable) != fmt.Sprint(want) {
		t.Errorf("delete statements per table = %v, want %v", perTable, want)
	}

	// Nothing old is left: a second run deletes nothing.
	if n, err := s.PruneDeliveries(ctx, cutoff, batch); err != nil || n != 0 {
		t.Errorf("second prune = %d, %v", n, err)
	}
}

// countDeletes records the SQL of every raw statement db executes.
func countDeletes(t *testing.T, db *gorm.DB, into *[]string) {
	t.Helper()
	err := db.Callback().Raw().After("gorm:raw").Register("test:count_deletes", func(tx *gorm.DB) {
		*into = append(*into, tx.Statement.SQL.String())
	})
	if err != nil {
		t.Fatal(err)
	}
}
