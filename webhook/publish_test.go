package webhook

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/models"
)

// A SQLite file locked by another process past the busy timeout fails the
// publishes that wait for it: each of them gets ErrUnavailable and stores
// nothing, and each publish that returns no error was stored and is
// delivered.
func TestPublishWhileDatabaseLocked(t *testing.T) {
	t.Parallel()
	// Writers give up on the lock after 100 ms instead of 5 s.
	e := newTestEngine(t, "loopback", Config{}, models.BusyTimeout(100*time.Millisecond))
	if !testdb.IsSQLite(e.dsn) {
		t.Skip("the lock under test is SQLite's file lock")
	}
	rec := &receiver{}
	e.addEndpoint(t, serve(t, rec).URL)
	// No test run: the sample's one run would send every message in turn
	// behind the last (order per test run), which is not under test here.
	in := unorderedInput(t, "TEST_STARTED")

	type result struct {
		pub *Published
		err error
	}
	var mu sync.Mutex
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				pub, err := e.svc.Publish(t.Context(), e.userID, in)
				mu.Lock()
				results = append(results, result{pub, err})
				mu.Unlock()
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // some publishes before the lock
	release := testdb.LockSQLite(t, e.dsn)
	// Held until a publish has given up on it (a busy machine may take a
	// while to get there), then some more.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		refused := slices.ContainsFunc(results, func(r result) bool { return r.err != nil })
		mu.Unlock()
		if refused {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	release()
	time.Sleep(200 * time.Millisecond) // and some after
	close(stop)
	wg.Wait()

	var accepted []string
	failed := 0
	for _, r := range results {
		if r.err != nil {
			if !errors.Is(r.err, models.ErrUnavailable) {
				t.Errorf("a publish failed with %v, want an error that is ErrUnavailable", r.err)
			}
			failed++
			continue
		}
		if r.pub == nil || r.pub.EventID == "" || len(r.pub.Messages) != 1 {
			t.Fatalf("a publish returned no error but %+v: an acceptance that stored nothing", r.pub)
		}
		accepted = append(accepted, r.pub.Messages[0].ID)
	}
	if failed == 0 || len(accepted) == 0 {
		t.Fatalf("%d publishes failed and %d were accepted; want some of each (the lock did not bite?)", failed, len(accepted))
	}
	var events int64
	if err := e.db.Model(&models.Event{}).Count(&events).Error; err != nil {
		t.Fatal(err)
	}
	if events != int64(len(accepted)) {
		t.Fatalf("%d events stored for %d accepted publishes (%d failed): a failed publish stored something", events, len(accepted), failed)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range accepted {
		if msg := e.waitMessage(t, id, time.Until(deadline)); msg.State != models.StateSucceeded {
			t.Fatalf("accepted message %s is %s, want succeeded", id, msg.State)
		}
	}
	// Nothing refused reached the receiver (on SQLite first attempts start
	// right after the commit: only a commit that held starts them). An
	// accepted one may arrive twice, with the same webhook-id: an attempt
	// whose record the lock refused is made again.
	time.Sleep(100 * time.Millisecond)
	arrived := map[string]bool{}
	for _, a := range rec.got() {
		arrived[a.header.Get("webhook-id")] = true
	}
	for _, id := range accepted {
		delete(arrived, id)
	}
	if len(arrived) > 0 {
		t.Fatalf("the receiver got %d messages no publish was told were accepted", len(arrived))
	}
	t.Logf("%d publishes accepted and delivered, %d refused while the file was locked", len(accepted), failed)
}
