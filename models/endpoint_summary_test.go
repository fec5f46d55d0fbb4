package models

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/loadhook/loadhook/internal/testdb"
)

// openTestStore opens a fresh store: SQLite, or Postgres when
// LOADHOOK_TEST_POSTGRES is set.
func openTestStore(t *testing.T) *Store {
	t.Helper()
	db, err := Open(testdb.DSN(t, os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	if err := Migrate(db); err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer([]byte("a test server secret, long enough"))
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(db, sealer)
}

func TestEndpointSummaries(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	mine := &Endpoint{UserID: 1, URL: "https://a.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_a"}
	quiet := &Endpoint{UserID: 1, URL: "https://b.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_b"}
	theirs := &Endpoint{UserID: 2, URL: "https://c.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_c"}
	for _, e := range []*Endpoint{mine, quiet, theirs} {
		if err := s.CreateEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	add := func(ep *Endpoint, state string, age time.Duration, status int) {
		t.Helper()
		at := now.Add(-age)
		m := Message{ID: NewID("msg_"), EventID: "evt_1", EndpointID: ep.ID, UserID: ep.UserID, EventType: "TEST_STARTED",
			State: state, MaxAttempts: 4, LastStatus: status, CreatedAt: at, UpdatedAt: at}
		if err := s.db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // ids order by millisecond
	}
	add(mine, StateSucceeded, 48*time.Hour, 200) // outside the window
	add(mine, StateFailed, 5*time.Hour, 500)
	add(mine, StateSucceeded, 4*time.Hour, 200)
	add(mine, StateSucceeded, 3*time.Hour, 204)
	add(mine, StateRetrying, 2*time.Hour, 503) // not finished
	add(mine, StateSucceeded, time.Minute, 202)
	add(theirs, StateFailed, time.Minute, 500)

	got, err := s.EndpointSummaries(ctx, 1, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("summaries = %+v, want only the endpoint with messages", got)
	}
	sum := got[mine.ID]
	if sum.LastState != StateSucceeded || sum.LastStatus != 202 || now.Sub(sum.LastAt) > 2*time.Minute {
		t.Errorf("last = %s %d %v", sum.LastState, sum.LastStatus, sum.LastAt)
	}
	if sum.Succeeded != 3 || sum.Finished != 4 {
		t.Errorf("counts = %d/%d, want 3/4", sum.Succeeded, sum.Finished)
	}
	if pct, ok := sum.SuccessRate(); !ok || pct != 75 {
		t.Errorf("rate = %v, %v", pct, ok)
	}
	if _, ok := got[quiet.ID].SuccessRate(); ok || got[quiet.ID].HasMessages() {
		t.Error("an endpoint without messages has a rate")
	}
	if _, leaked := got[theirs.ID]; leaked {
		t.Error("another user's endpoint is summarised")
	}
}
