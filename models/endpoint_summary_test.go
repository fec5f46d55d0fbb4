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
func openTestStore(t testing.TB) *Store {
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
	if sum.Health != (MessageHealth{Delivered: 3, Finished: 4}) {
		t.Errorf("health = %+v, want 3 of 4", sum.Health)
	}
	if sum.Failing != nil {
		t.Errorf("failing = %+v, but the newest finished message was delivered", sum.Failing)
	}
	if got[quiet.ID].Health.Finished != 0 || got[quiet.ID].HasMessages() {
		t.Error("an endpoint without messages has a rate")
	}
	if _, leaked := got[theirs.ID]; leaked {
		t.Error("another user's endpoint is summarised")
	}
}

// seedMessage stores a message of ep created age ago, its id dated then,
// as the engine would have made it.
func seedMessage(t *testing.T, s *Store, ep *Endpoint, state, class string, status int, created time.Time) Message {
	t.Helper()
	m := Message{ID: NewIDAt(MessageIDPrefix, created), EventID: "evt_1", EndpointID: ep.ID, UserID: ep.UserID, EventType: "TEST_STARTED",
		State: state, MaxAttempts: 4, Attempts: 4, LastStatus: status, LastErrorClass: class, CreatedAt: created, UpdatedAt: created}
	if err := s.db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

// The list and the endpoint page read one figure: the summary's health for
// one endpoint equals its entry in the list's summaries, and equals
// MessageHealthSince for the same window.
func TestMessageHealthIsOneFigure(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	ep := &Endpoint{UserID: 1, URL: "https://a.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_a"}
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i, state := range []string{StateSucceeded, StateFailed, StateSucceeded, StateRetrying, StateSucceeded} {
		seedMessage(t, s, ep, state, "", 200, now.Add(-time.Duration(5-i)*time.Hour))
	}
	since := now.Add(-24 * time.Hour)
	list, err := s.EndpointSummaries(ctx, 1, since)
	if err != nil {
		t.Fatal(err)
	}
	one, err := s.EndpointSummary(ctx, 1, ep.ID, since)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := s.MessageHealthSince(ctx, 1, ep.ID, since)
	if err != nil {
		t.Fatal(err)
	}
	want := MessageHealth{Delivered: 3, Finished: 4}
	if list[ep.ID].Health != want || one.Health != want || direct != want {
		t.Errorf("list %+v, page %+v, direct %+v; want %+v each", list[ep.ID].Health, one.Health, direct, want)
	}
	if other, err := s.EndpointSummary(ctx, 2, ep.ID, since); err != nil || other.HasMessages() {
		t.Errorf("another user's view of the endpoint = %+v, %v; want nothing", other, err)
	}
}

func TestFailingStreak(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	type seed struct {
		state, class string
		age          time.Duration
	}
	for _, tc := range []struct {
		name string
		msgs []seed
		// enabledAgo is when the endpoint was last enabled; 0 leaves it unset.
		enabledAgo time.Duration
		wantSince  time.Duration // 0: not failing
	}{
		{"no messages", nil, 0, 0},
		{"delivered last", []seed{{StateFailed, "timeout", 3 * time.Hour}, {StateSucceeded, "", 2 * time.Hour}}, 0, 0},
		{"failed since the last delivery", []seed{{StateSucceeded, "", 5 * time.Hour}, {StateFailed, "timeout", 4 * time.Hour},
			{StateFailed, "http_status", 3 * time.Hour}, {StateRetrying, "", time.Hour}}, 0, 4 * time.Hour},
		{"never delivered", []seed{{StateFailed, "timeout", 30 * time.Hour}, {StateFailed, "timeout", time.Hour}}, 0, 30 * time.Hour},
		{"only stopped by a disable", []seed{{StateSucceeded, "", 5 * time.Hour}, {StateFailed, "disabled", 4 * time.Hour}}, 0, 0},
		{"failures before it was enabled again", []seed{{StateFailed, "timeout", 5 * time.Hour}}, 2 * time.Hour, 0},
		{"failures after it was enabled again", []seed{{StateFailed, "timeout", 5 * time.Hour}, {StateFailed, "timeout", time.Hour}}, 2 * time.Hour, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			ep := &Endpoint{UserID: 1, URL: "https://a.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_a",
				CreatedAt: now.Add(-48 * time.Hour)}
			if tc.enabledAgo != 0 {
				at := now.Add(-tc.enabledAgo)
				ep.EnabledAt = &at
			}
			if err := s.CreateEndpoint(ctx, ep); err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.msgs {
				seedMessage(t, s, ep, m.state, m.class, 500, now.Add(-m.age))
			}
			sum, err := s.EndpointSummary(ctx, 1, ep.ID, now.Add(-24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.wantSince == 0 && sum.Failing != nil:
				t.Errorf("failing = %+v, want not failing", sum.Failing)
			case tc.wantSince != 0 && sum.Failing == nil:
				t.Error("not failing")
			case tc.wantSince != 0 && sum.Failing.Since.Sub(now.Add(-tc.wantSince)).Abs() > time.Millisecond:
				t.Errorf("failing since %v, want %v", sum.Failing.Since, now.Add(-tc.wantSince))
			}
		})
	}
}

func TestFailedLongEnough(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	policy := AutoDisablePolicy{After: 24 * time.Hour, MinMessages: 3}
	for _, tc := range []struct {
		name string
		// ages of failed messages, oldest first; a negative age is a
		// delivered message that long ago.
		ages []time.Duration
		want bool
	}{
		{"failing for a day, enough messages", []time.Duration{25 * time.Hour, 10 * time.Hour, time.Hour}, true},
		{"failing for a day, too few messages", []time.Duration{25 * time.Hour, time.Hour}, false},
		{"failing for less than a day", []time.Duration{23 * time.Hour, 10 * time.Hour, 5 * time.Hour, time.Hour}, false},
		{"a delivery in between", []time.Duration{30 * time.Hour, 26 * time.Hour, -2 * time.Hour, time.Hour}, false},
		{"a delivery before the streak", []time.Duration{-40 * time.Hour, 30 * time.Hour, 26 * time.Hour, time.Hour}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			ep := &Endpoint{UserID: 1, URL: "https://a.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_a",
				CreatedAt: now.Add(-72 * time.Hour)}
			if err := s.CreateEndpoint(ctx, ep); err != nil {
				t.Fatal(err)
			}
			for _, age := range tc.ages {
				if age < 0 {
					seedMessage(t, s, ep, StateSucceeded, "", 200, now.Add(age))
				} else {
					seedMessage(t, s, ep, StateFailed, "timeout", 0, now.Add(-age))
				}
			}
			got, since, err := s.FailedLongEnough(ctx, ep.ID, policy, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("FailedLongEnough = %v (since %v), want %v", got, since, tc.want)
			}
			if !got {
				return
			}
			// Two instances deciding at once: one disables, the other finds it done.
			first, err := s.AutoDisableEndpoint(ctx, ep.ID, "failing", since, now)
			if err != nil || !first {
				t.Fatalf("first disable = %v, %v", first, err)
			}
			second, err := s.AutoDisableEndpoint(ctx, ep.ID, "failing", since, now)
			if err != nil || second {
				t.Fatalf("second disable = %v, %v; want false", second, err)
			}
			saved, err := s.Endpoint(ctx, 1, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Enabled || saved.DisabledReason != "failing" || saved.DisabledAt == nil {
				t.Errorf("endpoint after the disable: enabled %v, reason %q, at %v", saved.Enabled, saved.DisabledReason, saved.DisabledAt)
			}
			ids, err := s.ReplayableMessageIDs(ctx, 1, ep.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != 3 {
				t.Errorf("replayable = %v, want the streak's 3 failed messages", ids)
			}
		})
	}
}

// A user who enables the endpoint again after the streak began keeps it on,
// even if an instance decided to disable it just before.
func TestAutoDisableYieldsToAReenable(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Now().UTC()
	ep := &Endpoint{UserID: 1, URL: "https://a.example", Events: "TEST_STARTED", Enabled: true, Secret: "whsec_a", CreatedAt: now.Add(-72 * time.Hour)}
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	streakStart := now.Add(-30 * time.Hour)
	if err := s.SetEndpointEnabled(ctx, 1, ep.ID, true); err != nil {
		t.Fatal(err)
	}
	done, err := s.AutoDisableEndpoint(ctx, ep.ID, "failing", streakStart, now)
	if err != nil || done {
		t.Fatalf("disable after a re-enable = %v, %v; want false", done, err)
	}
}
