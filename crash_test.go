package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/internal/serverproc"
)

// These tests run the real binary as a child process, because what they check
// (nothing accepted is lost on SIGKILL; SIGTERM lets attempts in flight
// finish) is about process death, which an in-process test cannot fake.

const crashSecret = "crash-test-secret-0123456789abcdef"

// buildServer compiles this module's main package into a temp dir.
func buildServer(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the crash tests build the server and need the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "loadhook")
	cmd := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hookReceiver is a loopback webhook receiver that counts every webhook-id.
type hookReceiver struct {
	mu   sync.Mutex
	seen map[string]int
	// completed counts requests answered in full; cut those whose client
	// went away before the answer.
	completed map[string]int
	cut       map[string]int
	arrivals  atomic.Int64
	// delay is how long to hold each request before answering 200.
	delay func() time.Duration
}

func newHookReceiver(delay func() time.Duration) *hookReceiver {
	return &hookReceiver{seen: map[string]int{}, completed: map[string]int{}, cut: map[string]int{}, delay: delay}
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	r.seen[id]++
	r.mu.Unlock()
	r.arrivals.Add(1)
	select {
	case <-time.After(r.delay()):
	case <-req.Context().Done():
		r.mu.Lock()
		r.cut[id]++
		r.mu.Unlock()
		return
	}
	w.WriteHeader(http.StatusOK)
	r.mu.Lock()
	r.completed[id]++
	r.mu.Unlock()
}

// snapshot copies the counters.
func (r *hookReceiver) snapshot() (seen, completed, cut map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := func(m map[string]int) map[string]int {
		out := make(map[string]int, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return cp(r.seen), cp(r.completed), cp(r.cut)
}

// crashFixture is a seeded database, a receiver and the means to run the
// server on them.
type crashFixture struct {
	bin     string
	dbPath  string
	logPath string
	token   string
	recv    *hookReceiver
	// reader is the test's own connection to the database, for assertions.
	reader *gorm.DB
}

func newCrashFixture(t *testing.T, endpoints int, delay func() time.Duration) *crashFixture {
	t.Helper()
	dir := t.TempDir()
	f := &crashFixture{
		bin:     buildServer(t),
		dbPath:  filepath.Join(dir, "crash.db"),
		logPath: filepath.Join(dir, "server.log"),
		recv:    newHookReceiver(delay),
	}
	rs := httptest.NewServer(f.recv)
	t.Cleanup(rs.Close)

	seed, err := serverproc.OpenSeeder(f.dbPath, crashSecret)
	if err != nil {
		t.Fatal(err)
	}
	f.token = seedUserWithEndpoints(t, seed, "crash@example.com", rs.URL, endpoints)
	f.reader = seed.DB()
	t.Cleanup(func() { seed.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			f.dumpLog(t)
		}
	})
	return f
}

// start runs the server on the fixture's database.
func (f *crashFixture) start(t *testing.T, env ...string) *serverproc.Process {
	t.Helper()
	logFile, err := os.OpenFile(f.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	fmt.Fprintf(logFile, "=== server start %s\n", time.Now().Format(time.RFC3339Nano))
	p, err := serverproc.Start(t.Context(), serverproc.Options{
		Binary: f.bin, DB: f.dbPath, Secret: crashSecret, Log: logFile, Env: env,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func (f *crashFixture) dumpLog(t *testing.T) {
	b, err := os.ReadFile(f.logPath)
	if err != nil {
		t.Logf("server log: %v", err)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 80 {
		lines = lines[len(lines)-80:]
	}
	t.Logf("server log (last %d lines):\n%s", len(lines), strings.Join(lines, "\n"))
}

// messageRow is what the assertions read of a message.
type messageRow struct {
	ID       string
	State    string
	Attempts int
}

func (f *crashFixture) messages(t *testing.T) map[string]messageRow {
	t.Helper()
	var rows []messageRow
	if err := f.reader.Table("messages").Select("id, state, attempts").Scan(&rows).Error; err != nil {
		t.Fatalf("read messages: %v", err)
	}
	out := make(map[string]messageRow, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

// waitDelivered waits until every accepted message has reached the receiver
// and every stored message has succeeded, and returns how long after since
// that was; it fails t if that takes longer than within.
func (f *crashFixture) waitDelivered(t *testing.T, accepted map[string]bool, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	for {
		seen, _, _ := f.recv.snapshot()
		missing := 0
		for id := range accepted {
			if seen[id] == 0 {
				missing++
			}
		}
		unfinished := 0
		for _, m := range f.messages(t) {
			if m.State != "succeeded" {
				unfinished++
			}
		}
		if missing == 0 && unfinished == 0 {
			return time.Since(since)
		}
		if time.Since(since) > within {
			t.Fatalf("after %s: %d accepted messages never arrived, %d messages not succeeded", time.Since(since).Round(time.Second), missing, unfinished)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// successfulAttempts counts the successful attempt rows of every message.
func (f *crashFixture) successfulAttempts(t *testing.T) map[string]int {
	t.Helper()
	var rows []struct {
		MessageID string
		N         int
	}
	err := f.reader.Table("attempts").Select("message_id, COUNT(*) AS n").Where("success").Group("message_id").Scan(&rows).Error
	if err != nil {
		t.Fatalf("read attempts: %v", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.MessageID] = r.N
	}
	return out
}

// eventPoster sends numbered events from several goroutines and keeps the
// message ids of every 202. Stop makes the goroutines finish the request in
// hand and take no more, so the rest can be sent after a restart.
type eventPoster struct {
	client *http.Client
	token  string
	total  int
	next   atomic.Int64
	stop   atomic.Bool

	mu       sync.Mutex
	accepted map[string]bool // message ids of 202 answers
	events   int             // events answered 202
	lost     int             // requests with no answer: the server died mid-request
	failures []error         // answers other than 202
}

func (p *eventPoster) run(ctx context.Context, baseURL string, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !p.stop.Load() {
				i := int(p.next.Add(1) - 1)
				if i >= p.total {
					return
				}
				acc, err := serverproc.PostEvent(ctx, p.client, baseURL, p.token, serverproc.StartedEvent(i))
				p.mu.Lock()
				var se *serverproc.StatusError
				switch {
				case errors.As(err, &se):
					p.failures = append(p.failures, err)
				case err != nil:
					p.lost++
				default:
					p.events++
					for _, m := range acc.Messages {
						p.accepted[m.ID] = true
					}
				}
				p.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// seedUserWithEndpoints adds a user with n endpoints on the receiver at
// receiverURL (paths /hook/0…), subscribed to the two events the tests
// post, and returns the user's API token.
func seedUserWithEndpoints(t *testing.T, seed *serverproc.Seeder, email, receiverURL string, n int) string {
	t.Helper()
	userID, token, err := seed.AddUser(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := seed.AddEndpoint(t.Context(), userID, fmt.Sprintf("%s/hook/%d", receiverURL, i), "TEST_STARTED,TEST_FINISH"); err != nil {
			t.Fatal(err)
		}
	}
	return token
}

// redelivered lists the webhook-ids a receiver saw more than once, as
// "msg_…×n", sorted.
func redelivered(seen map[string]int) []string {
	var dups []string
	for id, n := range seen {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d", id, n))
		}
	}
	sort.Strings(dups)
	return dups
}

func TestCrashLosesNoAcceptedMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts, kills and restarts the server binary (about a minute)")
	}
	t.Parallel()
	const (
		events    = 1000
		endpoints = 3
		killAfter = 300 // receiver arrivals before SIGKILL
	)
	// 0-20 ms per answer keeps many attempts in flight when the kill lands.
	f := newCrashFixture(t, endpoints, func() time.Duration { return rand.N(20 * time.Millisecond) })
	poster := &eventPoster{
		client:   &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		token:    f.token,
		total:    events,
		accepted: map[string]bool{},
	}

	srv := f.start(t)
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		poster.run(t.Context(), srv.URL, 8)
	}()
	// Kill once killAfter have arrived and more are accepted than arrived:
	// a delivery that keeps pace with the posts can leave a moment with
	// nothing in flight, and a kill then tests nothing.
	deadline := time.Now().Add(60 * time.Second)
	for {
		arrived := f.recv.arrivals.Load()
		poster.mu.Lock()
		inFlight := int64(len(poster.accepted)) > arrived
		poster.mu.Unlock()
		if arrived >= killAfter && inFlight {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("in 60 s, no moment with %d arrivals and messages in flight (%d arrived)", killAfter, arrived)
		}
		time.Sleep(time.Millisecond)
	}
	poster.stop.Store(true)
	srv.Kill()
	<-posted
	if !serverproc.IsKilled(srv.ExitErr()) {
		t.Fatalf("server did not die of SIGKILL: %v", srv.ExitErr())
	}
	poster.mu.Lock()
	atKill := len(poster.accepted)
	t.Logf("SIGKILL after %d arrivals: %d events (%d messages) accepted, %d requests cut off", f.recv.arrivals.Load(), poster.events, atKill, poster.lost)
	poster.mu.Unlock()
	if int64(atKill) <= f.recv.arrivals.Load() {
		t.Fatalf("only %d messages accepted before the kill: nothing was left in flight", atKill)
	}

	// The restarted server takes the rest of the events while it recovers.
	srv = f.start(t)
	poster.stop.Store(false)
	poster.run(t.Context(), srv.URL, 8)
	poster.mu.Lock()
	defer poster.mu.Unlock()
	for _, err := range poster.failures {
		t.Errorf("event not accepted: %v", err)
	}
	if poster.events+poster.lost != events {
		t.Fatalf("%d events accepted + %d cut off, want %d sent", poster.events, poster.lost, events)
	}

	// Jobs the killed process held are rescued once they have been "running"
	// for 25 s, by a rescuer that runs every 30 s on the queue's leader,
	// whose lease must expire first: allow two minutes.
	start := time.Now()
	t.Logf("recovered %s after the restart", f.waitDelivered(t, poster.accepted, start, 120*time.Second).Round(time.Millisecond))
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := srv.Wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("graceful stop: exit code %d, %v", code, err)
	}

	seen, _, _ := f.recv.snapshot()
	rows := f.messages(t)
	okAttempts := f.successfulAttempts(t)
	for id := range poster.accepted {
		if seen[id] == 0 {
			t.Errorf("accepted message %s was never delivered", id)
		}
		if _, ok := rows[id]; !ok {
			t.Errorf("accepted message %s is not in the database", id)
		}
	}
	for id, m := range rows {
		if m.State != "succeeded" {
			t.Errorf("message %s is %s after %d attempts", id, m.State, m.Attempts)
		}
		// The attempt row and the succeeded state commit together, and a job
		// rerun after the crash finds the message succeeded and sends nothing.
		if okAttempts[id] != 1 {
			t.Errorf("message %s has %d successful attempt records, want 1", id, okAttempts[id])
		}
	}
	// A message whose attempt reached the receiver but whose record had not
	// committed at the kill is sent again: at-least-once, as Standard
	// Webhooks receivers expect (they deduplicate on webhook-id).
	dups := redelivered(seen)
	shown := dups
	if len(shown) > 10 {
		shown = shown[:10]
	}
	t.Logf("%d messages accepted (%d in the database), %d delivered more than once, e.g. %v", len(poster.accepted), len(rows), len(dups), shown)
}

func TestGracefulShutdownFinishesAttemptsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops the server binary")
	}
	t.Parallel()
	const (
		endpoints = 3
		events    = 6
		hold      = 2 * time.Second
	)
	f := newCrashFixture(t, endpoints, func() time.Duration { return hold })
	srv := f.start(t)
	client := &http.Client{Timeout: 10 * time.Second}
	accepted := map[string]bool{}
	for i := range events {
		acc, err := serverproc.PostEvent(t.Context(), client, srv.URL, f.token, serverproc.StartedEvent(i))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range acc.Messages {
			accepted[m.ID] = true
		}
	}
	// 18 messages, at most 4 in flight per endpoint: wait for 12 to be held
	// by the receiver, then stop while they are mid-request.
	deadline := time.Now().Add(10 * time.Second)
	for f.recv.arrivals.Load() < endpoints*4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d attempts in flight", f.recv.arrivals.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	inFlight, _, _ := f.recv.snapshot()
	sent := time.Now()
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, err := srv.Wait(12 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(sent)
	if code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	t.Logf("exited 0 %s after SIGTERM with %d attempts in flight", took.Round(time.Millisecond), len(inFlight))

	seen, completed, cut := f.recv.snapshot()
	if len(cut) > 0 {
		t.Errorf("attempts cut off by the shutdown: %v", cut)
	}
	rows := f.messages(t)
	okAttempts := f.successfulAttempts(t)
	for id := range inFlight {
		if completed[id] != 1 {
			t.Errorf("in-flight attempt of %s: answered %d times", id, completed[id])
		}
		if rows[id].State != "succeeded" || okAttempts[id] != 1 {
			t.Errorf("in-flight message %s is %s with %d successful attempts recorded, want succeeded with 1", id, rows[id].State, okAttempts[id])
		}
	}
	// Messages never started stay queued for the next start, untouched.
	for id := range accepted {
		if seen[id] > 0 {
			continue
		}
		if m := rows[id]; m.State != "pending" || m.Attempts != 0 {
			t.Errorf("message %s was never sent but is %s with %d attempts", id, m.State, m.Attempts)
		}
	}
}
