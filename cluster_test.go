package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadhook/loadhook/internal/serverproc"
	"github.com/loadhook/loadhook/internal/testdb"
)

// These tests run several real server processes on one Postgres database, as
// an operator scales out: they need LOADHOOK_TEST_POSTGRES (.ci/run sets it).

// clusterFixture is a fresh Postgres database seeded with one user and its
// endpoints on a loopback receiver, and the binary to start on it.
type clusterFixture struct {
	*crashFixture
	dsn string
}

func newClusterFixture(t *testing.T, endpoints int, recv http.Handler) *clusterFixture {
	t.Helper()
	if os.Getenv(testdb.EnvPostgres) == "" {
		t.Skipf("set %s to run several instances on one Postgres", testdb.EnvPostgres)
	}
	if testing.Short() {
		t.Skip("starts several server processes")
	}
	f := &clusterFixture{
		crashFixture: &crashFixture{bin: buildServer(t), logPath: filepath.Join(t.TempDir(), "server.log")},
		dsn:          testdb.DSN(t, os.Getenv),
	}
	f.dbPath = f.dsn
	rs := httptest.NewServer(recv)
	t.Cleanup(rs.Close)
	seed, err := serverproc.OpenSeeder(f.dsn, crashSecret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seed.Close() })
	f.token, f.reader = seedUserWithEndpoints(t, seed, "cluster@example.com", rs.URL, endpoints), seed.DB()
	t.Cleanup(func() {
		if t.Failed() {
			f.dumpLog(t)
		}
	})
	return f
}

func TestClusterInstancesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	if os.Getenv(testdb.EnvPostgres) == "" || testing.Short() {
		t.Skipf("needs %s and starts three server processes", testdb.EnvPostgres)
	}
	t.Parallel()
	f := &crashFixture{bin: buildServer(t), logPath: filepath.Join(t.TempDir(), "server.log")}
	// Nothing seeded: the three race to create every table.
	f.dbPath = testdb.DSN(t, os.Getenv)
	t.Cleanup(func() {
		if t.Failed() {
			f.dumpLog(t)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			p, err := serverproc.Start(t.Context(), serverproc.Options{Binary: f.bin, DB: f.dbPath, Secret: crashSecret})
			if err != nil {
				errs[i] = err
				return
			}
			defer p.Kill()
			resp, err := http.Get(p.URL + "/login")
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("GET /login answered %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i+1, err)
		}
	}
}

func TestClusterWrongSecretStopsTheInstance(t *testing.T) {
	f := newClusterFixture(t, 1, http.NotFoundHandler())
	t.Parallel()
	startWrong := func() error {
		p, err := serverproc.Start(t.Context(), serverproc.Options{
			Binary: f.bin, DB: f.dsn, Secret: "another-secret-0123456789abcdef", ReadyTimeout: 15 * time.Second,
		})
		if err == nil {
			p.Kill()
			return errors.New("an instance with the wrong LOADHOOK_SECRET started serving")
		}
		return nil
	}
	// A database from before the check value: the stored endpoint decides.
	if err := startWrong(); err != nil {
		t.Fatal(err)
	}
	// The right secret starts and writes the check value; the wrong one
	// still cannot join.
	f.start(t).Kill()
	if err := startWrong(); err != nil {
		t.Fatal(err)
	}
}

func TestClusterSurvivesAKilledInstance(t *testing.T) {
	const (
		events    = 5000
		endpoints = 2
	)
	// Not parallel: the 20 s bound is about this test's two processes.
	recv := newHookReceiver(func() time.Duration { return rand.N(5 * time.Millisecond) })
	f := newClusterFixture(t, endpoints, recv)
	f.recv = recv
	a, b := f.start(t), f.start(t)

	// Events go to the two instances in turn; the platform's client retries
	// a request cut off by the kill on the other instance.
	var (
		mu       sync.Mutex
		accepted = map[string]bool{}
		failures []error
		next     atomic.Int64
		killed   atomic.Bool
	)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	post := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= events {
				return
			}
			targets := []*serverproc.Process{a, b}
			if i%2 == 1 {
				targets = []*serverproc.Process{b, a}
			}
			for _, p := range targets {
				if p == a && killed.Load() {
					continue
				}
				acc, err := serverproc.PostEvent(t.Context(), client, p.URL, f.token, serverproc.StartedEvent(i))
				var se *serverproc.StatusError
				if errors.As(err, &se) {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
					break
				}
				if err != nil {
					continue // cut off: try the other instance
				}
				mu.Lock()
				for _, m := range acc.Messages {
					accepted[m.ID] = true
				}
				mu.Unlock()
				break
			}
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(post)
	}
	for next.Load() < events/2 {
		time.Sleep(time.Millisecond)
	}
	a.Kill()
	killed.Store(true)
	killedAt := time.Now()
	// The survivor takes over what A held once A misses its heartbeats:
	// jobs running since before the kill are A's (B's end within 10 s), and
	// so are the jobs waiting in A's queue, named by its instance row, the
	// one not seen since the kill (B's is, within a heartbeat).
	// Watched while the posting goes on, so the time counts from the death,
	// not from the end of the posting (which takes long on a busy machine).
	heldBackCh := make(chan time.Duration, 1)
	go func() {
		for {
			var held int64
			if err := f.reader.Table("river_job").Where("(state = 'running' AND attempted_at < ?) OR (state = 'available' AND queue IN (SELECT id FROM instances WHERE seen_at < ?))", killedAt, killedAt).Count(&held).Error; err != nil {
				t.Error(err)
				heldBackCh <- 0
				return
			}
			switch {
			case held == 0:
				heldBackCh <- time.Since(killedAt)
				return
			case time.Since(killedAt) > 60*time.Second:
				t.Errorf("%d jobs still held by the killed instance a minute after its death", held)
				heldBackCh <- 0
				return
			default:
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	wg.Wait()
	t.Logf("instance A killed after %d events; all posted %s later", events/2, time.Since(killedAt).Round(time.Millisecond))
	for _, err := range failures {
		t.Errorf("event not accepted: %v", err)
	}
	heldBack := <-heldBackCh
	if heldBack == 0 {
		t.FailNow()
	}
	t.Logf("the killed instance's deliveries were available again %s after its death", heldBack.Round(time.Millisecond))
	if heldBack > 20*time.Second {
		t.Errorf("the killed instance's work resumed only %s after its death, want within 20 s", heldBack.Round(time.Second))
	}
	t.Logf("every accepted message delivered %s after the kill", f.waitDelivered(t, accepted, killedAt, 60*time.Second).Round(time.Millisecond))

	seen, _, _ := recv.snapshot()
	rows := f.messages(t)
	okAttempts := f.successfulAttempts(t)
	for id := range accepted {
		if _, ok := rows[id]; !ok {
			t.Errorf("accepted message %s is not in the database", id)
		}
	}
	for id := range rows {
		if okAttempts[id] != 1 {
			t.Errorf("message %s has %d successful attempt records, want 1", id, okAttempts[id])
		}
	}
	dups := redelivered(seen)
	t.Logf("%d messages accepted, %d delivered more than once (same webhook-id; at-least-once)", len(accepted), len(dups))
}

// concurrencyReceiver answers after a pause and records the most requests
// it ever held at once for each path.
type concurrencyReceiver struct {
	mu     sync.Mutex
	now    map[string]int
	most   map[string]int
	served atomic.Int64
}

func (r *concurrencyReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.now[req.URL.Path]++
	r.most[req.URL.Path] = max(r.most[req.URL.Path], r.now[req.URL.Path])
	r.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	r.mu.Lock()
	r.now[req.URL.Path]--
	r.mu.Unlock()
	r.served.Add(1)
}

func TestClusterPerEndpointCapHoldsAcrossInstances(t *testing.T) {
	recv := &concurrencyReceiver{now: map[string]int{}, most: map[string]int{}}
	f := newClusterFixture(t, 1, recv)
	t.Parallel()
	a, b := f.start(t), f.start(t)
	// Let each see the other's heartbeat before the load starts.
	time.Sleep(2 * time.Second)
	const events = 400
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < events; i += 8 {
				p := a
				if i%2 == 1 {
					p = b
				}
				if _, err := serverproc.PostEvent(t.Context(), client, p.URL, f.token, serverproc.StartedEvent(i)); err != nil {
					t.Errorf("post event %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(60 * time.Second)
	for recv.served.Load() < events && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.served.Load() < events {
		t.Fatalf("only %d of %d deliveries arrived", recv.served.Load(), events)
	}
	for path, most := range recv.most {
		t.Logf("%s: at most %d requests at once", path, most)
		if most > 4 {
			t.Errorf("%s saw %d requests at once from two instances, want at most 4", path, most)
		}
	}
}

func TestClusterIdempotencyKeyAcrossInstances(t *testing.T) {
	f := newClusterFixture(t, 1, http.NotFoundHandler())
	t.Parallel()
	a, b := f.start(t), f.start(t)
	ids := make([]string, 6)
	var wg sync.WaitGroup
	for i := range ids {
		p := a
		if i%2 == 1 {
			p = b
		}
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+"/api/v1/events", bytes.NewReader(serverproc.StartedEvent(7)))
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "run-7-started")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var acc serverproc.Accepted
			if err := json.NewDecoder(resp.Body).Decode(&acc); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Errorf("POST to %s: %d %v", p.URL, resp.StatusCode, err)
				return
			}
			ids[i] = acc.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("one Idempotency-Key on two instances gave events %v", ids)
		}
	}
	var n int64
	if err := f.reader.Table("events").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}
