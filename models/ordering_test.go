package models

import (
	"context"
	"slices"
	"testing"
	"time"
)

// runMsg is a message of test run run (none when "") to endpoint ep, not yet stored.
func runMsg(ep int64, run string) Message {
	now := time.Now().UTC()
	return Message{ID: NewID(MessageIDPrefix), EventID: NewID(EventIDPrefix), EndpointID: ep, UserID: 1, EventType: "TEST_STARTED",
		State: StatePending, MaxAttempts: 4, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now, RunKey: RunKey(ep, run)}
}

// publishRun stores msgs as one publishing transaction does and returns them
// as OrderRuns left them.
func publishRun(t *testing.T, s *Store, msgs ...Message) []Message {
	t.Helper()
	err := s.InTx(t.Context(), func(tx *Tx) error {
		if err := s.OrderRuns(tx, msgs); err != nil {
			return err
		}
		return s.CreateDeliveries(tx, nil, msgs)
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// finishRun stores msg's final state as the recorder does and returns the
// messages it released.
func finishRun(t *testing.T, s *Store, msg Message, state string) []string {
	t.Helper()
	var released []string
	err := s.InTx(t.Context(), func(tx *Tx) error {
		msg.State = state
		if err := s.SaveMessageStateTx(tx, &msg); err != nil {
			return err
		}
		var err error
		released, err = s.ReleaseSuccessors(tx, []*Message{&msg}, time.Now().UTC())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return released
}

func stored(t *testing.T, s *Store, id string) Message {
	t.Helper()
	var m Message
	if err := s.db.Where("id = ?", id).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOrderRunsHoldsOnlyBehindAnUnfinishedMessageOfTheSameRunAndEndpoint(t *testing.T) {
	s := openTestStore(t)
	// One batch: the second message of run A to endpoint 1 waits for the
	// first; the same run to endpoint 2, another run and an event without a
	// run do not.
	a1, a1other, b1, none1, a2, none2 := runMsg(1, "A"), runMsg(2, "A"), runMsg(1, "B"), runMsg(1, ""), runMsg(1, "A"), runMsg(1, "")
	got := publishRun(t, s, a1, a1other, b1, none1, a2, none2)
	want := map[string]string{a1.ID: "", a1other.ID: "", b1.ID: "", none1.ID: "", a2.ID: a1.ID, none2.ID: ""}
	for _, m := range got {
		if m.WaitingFor != want[m.ID] || (m.State == StateWaiting) != (want[m.ID] != "") {
			t.Errorf("message %s: state %s waiting for %q, want waiting for %q", m.ID, m.State, m.WaitingFor, want[m.ID])
		}
		if st := stored(t, s, m.ID); st.State != m.State || st.WaitingFor != m.WaitingFor {
			t.Errorf("message %s stored as %s waiting for %q", m.ID, st.State, st.WaitingFor)
		}
	}
	if st := stored(t, s, a2.ID); st.NextAttemptAt != nil {
		t.Errorf("a waiting message is due at %v; it is due only once released", st.NextAttemptAt)
	}

	// A later batch waits for the run's tail, a2, which waits itself.
	a3 := publishRun(t, s, runMsg(1, "A"))[0]
	if a3.State != StateWaiting || a3.WaitingFor != a2.ID {
		t.Fatalf("third message of run A: %s waiting for %q, want waiting for %s", a3.State, a3.WaitingFor, a2.ID)
	}

	// Each final state releases the next message, due now, and no other.
	for _, step := range []struct {
		finish Message
		state  string
		next   string
	}{
		{a1, StateFailed, a2.ID},
		{stored(t, s, a2.ID), StateSucceeded, a3.ID},
		{a3, StateSucceeded, ""},
		{b1, StateSucceeded, ""},
		{none1, StateSucceeded, ""},
	} {
		released := finishRun(t, s, step.finish, step.state)
		var want []string
		if step.next != "" {
			want = []string{step.next}
		}
		if !slices.Equal(released, want) {
			t.Fatalf("finishing %s released %v, want %v", step.finish.ID, released, want)
		}
		if step.next != "" {
			if n := stored(t, s, step.next); n.State != StatePending || n.WaitingFor != "" || n.NextAttemptAt == nil || n.Attempts != 0 {
				t.Fatalf("released %s: state %s, waiting for %q, due %v, %d attempts", n.ID, n.State, n.WaitingFor, n.NextAttemptAt, n.Attempts)
			}
		}
	}
	// Run A to endpoint 2 still has a1other pending.
	if m := publishRun(t, s, runMsg(2, "A"))[0]; m.State != StateWaiting || m.WaitingFor != a1other.ID {
		t.Fatalf("run A to endpoint 2: %s waiting for %q, want waiting for %s", m.State, m.WaitingFor, a1other.ID)
	}
	// A message of a run whose tail is final goes at once.
	if m := publishRun(t, s, runMsg(1, "A"))[0]; m.State != StatePending {
		t.Fatalf("message of a finished run: %s waiting for %q, want pending", m.State, m.WaitingFor)
	}
}

// A waiting message is still being delivered: it cannot be redelivered by
// hand (that would give it a second queue job).
func TestWaitingMessageIsNotRedeliverable(t *testing.T) {
	s := openTestStore(t)
	msgs := publishRun(t, s, runMsg(1, "A"), runMsg(1, "A"))
	err := s.InTx(context.Background(), func(tx *Tx) error {
		_, err := s.ReopenMessage(tx, 1, msgs[1].ID, time.Now())
		return err
	})
	if err != ErrNotRedeliverable {
		t.Fatalf("reopen a waiting message: %v, want ErrNotRedeliverable", err)
	}
}

// A message redelivered by hand is outside its run's order: a later
// message of the run does not wait for it.
func TestRedeliveredMessageHoldsNothing(t *testing.T) {
	s := openTestStore(t)
	first := publishRun(t, s, runMsg(1, "A"))[0]
	finishRun(t, s, first, StateFailed)
	err := s.InTx(t.Context(), func(tx *Tx) error {
		_, err := s.ReopenMessage(tx, 1, first.ID, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := publishRun(t, s, runMsg(1, "A"))[0]; m.State != StatePending {
		t.Fatalf("message after a redelivered one of its run: %s waiting for %q, want pending", m.State, m.WaitingFor)
	}
}

// waitForLockWait returns once another connection of this test's database
// is blocked on a lock: the interleaving the race tests need.
func waitForLockWait(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int64
		err := s.db.Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no transaction blocked on the run's tail")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// awaitTx waits for each transaction's result in turn and fails the test on
// an error.
func awaitTx(t *testing.T, results ...<-chan error) {
	t.Helper()
	for _, r := range results {
		if err := <-r; err != nil {
			t.Fatal(err)
		}
	}
}

// The predecessor's final state and its successor's acceptance race on
// Postgres, where they are separate transactions of separate instances.
// Whichever commits first, the successor ends pending, never left waiting
// for a message that finished. (SQLite runs one transaction at a time.)
func TestOrderRunsRaceWithTheFinalStateOfTheTail(t *testing.T) {
	s := openTestStore(t)
	if s.IsSQLite() {
		t.Skip("SQLite runs one transaction at a time; set LOADHOOK_TEST_POSTGRES for the interleavings")
	}
	ctx := context.Background()
	finishIn := func(tx *Tx, p *Message) ([]string, error) {
		p.State = StateSucceeded
		if err := s.SaveMessageStateTx(tx, p); err != nil {
			return nil, err
		}
		return s.ReleaseSuccessors(tx, []*Message{p}, time.Now().UTC())
	}
	publishIn := func(tx *Tx, n []Message) error {
		if err := s.OrderRuns(tx, n); err != nil {
			return err
		}
		return s.CreateDeliveries(tx, nil, n)
	}
	// goTx runs fn in a transaction on a goroutine of its own; the channel
	// gives the result.
	goTx := func(fn func(tx *Tx) error) <-chan error {
		result := make(chan error, 1)
		go func() { result <- s.InTx(ctx, fn) }()
		return result
	}
	for _, tc := range []struct {
		name string
		// run interleaves finishing p with publishing n and returns what
		// finishing released.
		run func(t *testing.T, p *Message, n []Message) []string
	}{
		{"successor accepted between the final state and the release", func(t *testing.T, p *Message, n []Message) []string {
			saved, resume := make(chan struct{}), make(chan struct{})
			var released []string
			done := goTx(func(tx *Tx) error {
				p.State = StateSucceeded
				if err := s.SaveMessageStateTx(tx, p); err != nil {
					return err
				}
				close(saved)
				<-resume
				var err error
				released, err = s.ReleaseSuccessors(tx, []*Message{p}, time.Now().UTC())
				return err
			})
			<-saved
			// The final state is not committed: the successor waits for p.
			if err := s.InTx(ctx, func(tx *Tx) error { return publishIn(tx, n) }); err != nil {
				t.Fatal(err)
			}
			close(resume)
			awaitTx(t, done)
			return released
		}},
		{"successor accepted while the release is uncommitted", func(t *testing.T, p *Message, n []Message) []string {
			finished, resume := make(chan struct{}), make(chan struct{})
			var released []string
			done := goTx(func(tx *Tx) error {
				var err error
				released, err = finishIn(tx, p)
				close(finished)
				<-resume
				return err
			})
			<-finished
			published := goTx(func(tx *Tx) error { return publishIn(tx, n) })
			waitForLockWait(t, s)
			close(resume)
			awaitTx(t, done, published)
			return released
		}},
		{"final state stored while the successor holds the tail", func(t *testing.T, p *Message, n []Message) []string {
			ordered, resume := make(chan struct{}), make(chan struct{})
			published := goTx(func(tx *Tx) error {
				if err := s.OrderRuns(tx, n); err != nil {
					return err
				}
				close(ordered)
				<-resume
				return s.CreateDeliveries(tx, nil, n)
			})
			<-ordered
			var released []string
			done := goTx(func(tx *Tx) error {
				var err error
				released, err = finishIn(tx, p)
				return err
			})
			waitForLockWait(t, s)
			close(resume)
			awaitTx(t, published, done)
			return released
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := publishRun(t, s, runMsg(1, tc.name))[0]
			n := []Message{runMsg(1, tc.name)}
			released := tc.run(t, &p, n)
			got := stored(t, s, n[0].ID)
			switch {
			case got.State == StateWaiting:
				t.Fatalf("successor left waiting for %s, which succeeded (released %v)", got.WaitingFor, released)
			case got.State != StatePending || got.WaitingFor != "":
				t.Fatalf("successor %s waiting for %q, want pending", got.State, got.WaitingFor)
			case len(released) > 0 && !slices.Equal(released, []string{n[0].ID}):
				t.Fatalf("released %v, want only the successor", released)
			}
			// The successor, still in flight, is the run's last: a third
			// message waits for it.
			if m := publishRun(t, s, runMsg(1, tc.name))[0]; m.WaitingFor != n[0].ID {
				t.Fatalf("third message %s waiting for %q, want waiting for the successor %s", m.State, m.WaitingFor, n[0].ID)
			}
		})
	}
}
