package main

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loadhook/loadhook/internal/serverproc"
	"github.com/loadhook/loadhook/internal/testreceiver"
)

// TestClusterOrderedRunAcrossInstances: on two instances of one Postgres,
// each run's TEST_STARTED is posted to one instance and its TEST_FINISH to
// the other right after; TEST_STARTED fails twice. Whichever instance makes
// each attempt, the receiver gets every run's TEST_FINISH only after its
// TEST_STARTED succeeded.
func TestClusterOrderedRunAcrossInstances(t *testing.T) {
	recv := testreceiver.New(func(d testreceiver.Delivery, earlier int) int {
		if d.EventType == "TEST_STARTED" && earlier < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	f := newClusterFixture(t, 1, recv)
	t.Parallel()
	a, b := f.start(t), f.start(t)
	const runs = 40
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for run := range runs {
		first, second := a, b
		if run%2 == 1 {
			first, second = b, a
		}
		wg.Go(func() {
			for i, p := range []*serverproc.Process{first, second} {
				body, err := serverproc.EventOf([]string{"TEST_STARTED", "TEST_FINISH"}[i], run)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := serverproc.PostEvent(t.Context(), client, p.URL, f.token, body); err != nil {
					t.Errorf("run %d: post to %s: %v", run, p.URL, err)
					return
				}
			}
		})
	}
	wg.Wait()

	deadline := time.Now().Add(60 * time.Second)
	for {
		rows := f.messages(t)
		done := 0
		for _, m := range rows {
			if m.State == "succeeded" {
				done++
			}
		}
		if len(rows) == 2*runs && done == len(rows) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages succeeded within a minute", done, 2*runs)
		}
		time.Sleep(200 * time.Millisecond)
	}

	startedOK := map[string]bool{}
	for i, arr := range recv.Arrivals() {
		switch {
		case arr.EventType == "TEST_STARTED" && arr.Status == http.StatusOK:
			startedOK[arr.Run] = true
		case arr.EventType == "TEST_FINISH" && !startedOK[arr.Run]:
			t.Errorf("arrival %d: TEST_FINISH of run %s before its TEST_STARTED succeeded", i, arr.Run)
		}
	}
	if len(startedOK) != runs {
		t.Errorf("%d runs' TEST_STARTED succeeded, want %d", len(startedOK), runs)
	}
	// Both instances delivered: the order held across them.
	var deliverers []string
	err := f.reader.Raw("SELECT DISTINCT attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE kind IN ('deliver', 'deliver_batch')").Scan(&deliverers).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(deliverers) < 2 {
		t.Errorf("deliveries were made by %v, want both instances", deliverers)
	}
	t.Logf("%d runs in order; deliveries by %d instances", runs, len(deliverers))
}
