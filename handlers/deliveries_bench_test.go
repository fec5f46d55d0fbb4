package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// The delivery-log benchmarks run the real handlers over a SQLite file with
// about a million attempts: 20 endpoints, 16,667 events over 30 days, each
// sent to every endpoint (333,340 messages) with 3 attempts per message.
// Seeding takes a while, so the file is kept in os.TempDir() and reused;
// bump benchDBVersion when the seeding changes. Run with
//
//	go test -run='^$' -bench=Deliver -benchtime=200x ./handlers/
const (
	benchDBVersion = "v1"
	benchEndpoints = 20
	benchEvents    = 16_667
	benchAttempts  = 3
	benchSpan      = 30 * 24 * time.Hour
)

type benchEnv struct {
	handler    http.Handler
	cookie     *http.Cookie
	endpointID int64
	// deepCursor pages from about 25 days back; detailID is a message with
	// three attempts.
	deepCursor string
	detailID   string
	eventID    string
}

var (
	benchOnce sync.Once
	benchVal  *benchEnv
	benchErr  error
)

// loadBenchEnv opens (seeding first if needed) the shared database once per
// process and builds a signed-in server over it.
func loadBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { benchVal, benchErr = openBenchEnv(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchVal
}

func openBenchEnv(b *testing.B) (*benchEnv, error) {
	path := filepath.Join(os.TempDir(), "loadhook-bench-deliveries-"+benchDBVersion+".db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := seedBenchDB(path); err != nil {
			return nil, fmt.Errorf("seed %s: %w", path, err)
		}
		b.Logf("seeded %s in %v", path, time.Since(start).Round(time.Millisecond))
	}
	db, err := models.Open(path)
	if err != nil {
		return nil, err
	}
	// Migrate adds any index added to the models since the file was seeded.
	start := time.Now()
	if err := models.Migrate(db); err != nil {
		return nil, err
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("migrated the cached database in %v", d.Round(time.Millisecond))
	}
	sealer, err := models.NewSealer([]byte("a bench server secret, long enough"))
	if err != nil {
		return nil, err
	}
	store := models.NewStore(db, sealer)
	log := slog.New(slog.DiscardHandler)
	policy, err := hostguard.ParseAllowedHosts("")
	if err != nil {
		return nil, err
	}
	hooks, err := webhook.NewService(context.Background(), store, policy, nil, webhook.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	s := New(Config{BaseURL: "http://127.0.0.1", SessionKey: bytes.Repeat([]byte("k"), 64), Version: "bench"}, store, hooks, log)

	ctx := context.Background()
	user, err := store.UserByEmail(ctx, "bench@example.com")
	if err != nil {
		return nil, err
	}
	env := &benchEnv{handler: s.Routes()}
	if err := db.Model(&models.Endpoint{}).Where("user_id = ?", user.ID).Order("id").Limit(1).Pluck("id", &env.endpointID).Error; err != nil {
		return nil, err
	}
	var ids []string
	err = db.Model(&models.Message{}).Where("endpoint_id = ? AND created_at < ?", env.endpointID, time.Now().Add(-25*24*time.Hour)).
		Order("id DESC").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, fmt.Errorf("find a deep cursor: %v", err)
	}
	env.deepCursor = ids[0]
	var msg models.Message
	if err := db.Where("endpoint_id = ? AND created_at < ?", env.endpointID, time.Now().Add(-10*24*time.Hour)).Order("id DESC").Take(&msg).Error; err != nil {
		return nil, err
	}
	env.detailID, env.eventID = msg.ID, msg.EventID

	row, err := store.CreateSession(ctx, user.ID, time.Hour)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	sess, err := s.cookies.New(req, sessionCookie)
	if err != nil {
		return nil, err
	}
	sess.Values[sessionIDKey] = row.ID
	if err := sess.Save(req, rec); err != nil {
		return nil, err
	}
	env.cookie = rec.Result().Cookies()[0]
	return env, nil
}

// seedBenchDB writes the benchmark database to a temporary file and renames
// it into place only when complete, so an interrupted run is not reused.
func seedBenchDB(path string) error {
	tmp := path + ".seeding"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	db, err := models.Open(tmp)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	if err := models.Migrate(db); err != nil {
		return err
	}
	sealer, err := models.NewSealer([]byte("a bench server secret, long enough"))
	if err != nil {
		return err
	}
	store := models.NewStore(db, sealer)
	ctx := context.Background()
	user, err := store.CreateUser(ctx, "bench@example.com", "not a real hash")
	if err != nil {
		return err
	}
	var endpoints []int64
	for i := range benchEndpoints {
		ep := &models.Endpoint{UserID: user.ID, URL: fmt.Sprintf("https://hooks%d.example.com/loadhook", i), Events: "TEST_STARTED",
			Enabled: true, Secret: catalog.GenerateSecret(), Headers: []catalog.Header{{Name: "Authorization", Value: "Bearer bench-token-123"}}}
		if err := store.CreateEndpoint(ctx, ep); err != nil {
			return err
		}
		endpoints = append(endpoints, ep.ID)
	}
	types := catalog.EventTypes()
	payloads := make([][]byte, len(types))
	for i, et := range types {
		in, err := catalog.SampleEvent(et.Name, "https://loadhook.example.com", time.Now())
		if err != nil {
			return err
		}
		if payloads[i], err = catalog.BuildPayload("Loadmance", in); err != nil {
			return err
		}
	}

	// Speed over safety while seeding: nothing else uses the file yet.
	for _, pragma := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -200000"} {
		if err := db.Exec(pragma).Error; err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	start := now.Add(-benchSpan)
	step := benchSpan / benchEvents
	reqHeaders := func(msgID string) string {
		h, _ := json.Marshal(map[string][]string{
			"Authorization": {"Bear••••••••"}, "Content-Type": {"application/json"}, "User-Agent": {"loadhook/bench"},
			"Webhook-Id": {msgID}, "Webhook-Signature": {"v1,••••••••"}, "Webhook-Timestamp": {"1751553000"},
		})
		return string(h)
	}
	const respHeaders = `{"Content-Length":["2"],"Content-Type":["text/plain; charset=utf-8"],"Date":["Thu, 03 Jul 2025 14:30:00 GMT"]}`

	// One transaction per thousand events keeps memory flat and the WAL small.
	const chunk = 1000
	for first := 0; first < benchEvents; first += chunk {
		var events []models.Event
		var msgs []models.Message
		var attempts []models.Attempt
		for i := first; i < min(first+chunk, benchEvents); i++ {
			at := start.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(step))))
			et := i % len(types)
			ev := models.Event{ID: models.NewIDAt("evt_", at), UserID: user.ID, Type: types[et].Name, Test: rng.IntN(50) == 0, Payload: payloads[et], CreatedAt: at}
			events = append(events, ev)
			for _, epID := range endpoints {
				m, as := benchMessage(rng, ev, epID, user.ID, now, reqHeaders, respHeaders)
				msgs = append(msgs, m)
				attempts = append(attempts, as...)
			}
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.CreateInBatches(events, 500).Error; err != nil {
				return err
			}
			if err := tx.CreateInBatches(msgs, 500).Error; err != nil {
				return err
			}
			return tx.CreateInBatches(attempts, 500).Error
		})
		if err != nil {
			return fmt.Errorf("insert events from %d: %w", first, err)
		}
	}
	if err := db.Exec("ANALYZE").Error; err != nil {
		return err
	}
	if err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		return err
	}
	if err := sqlDB.Close(); err != nil {
		return err
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	return os.Rename(tmp, path)
}

// benchMessage makes one message with its attempts: mostly successes after
// a retry or two, some failures of every kind, and a few still in flight in
// the last minutes.
func benchMessage(rng *rand.Rand, ev models.Event, epID, userID int64, now time.Time, reqHeaders func(string) string, respHeaders string) (models.Message, []models.Attempt) {
	id := models.NewIDAt("msg_", ev.CreatedAt)
	m := models.Message{ID: id, EventID: ev.ID, EndpointID: epID, UserID: userID, EventType: ev.Type, Test: ev.Test,
		State: models.StateSucceeded, Attempts: benchAttempts, MaxAttempts: webhook.MaxAttempts, FirstAttemptAt: &ev.CreatedAt,
		CreatedAt: ev.CreatedAt, UpdatedAt: ev.CreatedAt}
	failStatus := []int{500, 502, 503, 404, 410, 301, 0}[rng.IntN(7)]
	failed := rng.IntN(10) == 0
	switch {
	case now.Sub(ev.CreatedAt) < 10*time.Minute && rng.IntN(4) == 0:
		m.State = models.StateRetrying
		next := now.Add(time.Duration(rng.IntN(10)) * time.Second)
		m.NextAttemptAt = &next
	case failed:
		m.State = models.StateFailed
	}
	attempts := make([]models.Attempt, benchAttempts)
	for n := range attempts {
		ok := n == benchAttempts-1 && m.State == models.StateSucceeded
		a := models.Attempt{MessageID: id, EndpointID: epID, Number: n + 1,
			StartedAt: webhook.AttemptDue(ev.CreatedAt, n+1),
			URL:       "https://hooks.example.com/loadhook", RequestHeaders: reqHeaders(id),
			DurationMs: int64(20 + rng.IntN(400)), DNSMs: int64(rng.IntN(5)), ConnectMs: int64(1 + rng.IntN(20)),
			TLSMs: int64(rng.IntN(40)), Success: ok}
		a.FirstByteMs = a.DurationMs - int64(rng.IntN(10))
		switch {
		case ok:
			a.ResponseStatus, a.ResponseHeaders, a.ResponseBody = 200, respHeaders, []byte("ok")
		case failStatus == 0:
			a.ErrorClass, a.ErrorDetail, a.DurationMs = webhook.ClassTimeout, "no answer within 10 s", 10_000
		case failStatus == 301:
			a.ResponseStatus, a.ResponseHeaders = 301, respHeaders
			a.ErrorClass, a.ErrorDetail = webhook.ClassRedirect, "the receiver answered 301: redirects are not followed"
		default:
			a.ResponseStatus, a.ResponseHeaders, a.ResponseBody = failStatus, respHeaders, []byte(`{"error":"upstream unavailable"}`)
			a.ErrorClass, a.ErrorDetail = webhook.ClassHTTPStatus, fmt.Sprintf("the receiver answered %d %s", failStatus, http.StatusText(failStatus))
		}
		attempts[n] = a
	}
	last := attempts[len(attempts)-1]
	m.LastStatus, m.LastErrorClass, m.LastDurationMs = last.ResponseStatus, last.ErrorClass, last.DurationMs
	return m, attempts
}

// benchGet measures the server time of GET path and reports its p50 and
// p95 beside the mean.
func benchGet(b *testing.B, path func(*benchEnv) string) {
	env := loadBenchEnv(b)
	target := path(env)
	var durations []time.Duration
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.AddCookie(env.cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		env.handler.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d\n%s", target, rec.Code, truncate(rec.Body.String(), 2000))
		}
	}
	slices.Sort(durations)
	pct := func(q float64) float64 {
		return float64(durations[int(q*float64(len(durations)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

func BenchmarkDeliveriesFirstPage(b *testing.B) {
	benchGet(b, func(e *benchEnv) string { return endpointPath(e.endpointID, "deliveries") })
}

func BenchmarkDeliveriesFiltered(b *testing.B) {
	benchGet(b, func(e *benchEnv) string {
		return endpointPath(e.endpointID, "deliveries") + "?state=failed&type=TEST_FAILED&range=24h"
	})
}

func BenchmarkDeliveriesFilteredRare(b *testing.B) {
	// A filter few rows pass, over the whole 30 days: the worst case for
	// scanning newest-first.
	benchGet(b, func(e *benchEnv) string {
		return endpointPath(e.endpointID, "deliveries") + "?type=PROJECT_DELETED&status=3xx"
	})
}

func BenchmarkDeliveriesDeepPage(b *testing.B) {
	benchGet(b, func(e *benchEnv) string {
		return endpointPath(e.endpointID, "deliveries") + "?before=" + url.QueryEscape(e.deepCursor)
	})
}

func BenchmarkDeliveriesSearchEvent(b *testing.B) {
	benchGet(b, func(e *benchEnv) string { return endpointPath(e.endpointID, "deliveries") + "?q=" + e.eventID })
}

func BenchmarkDeliveryDetail(b *testing.B) {
	benchGet(b, func(e *benchEnv) string { return "/profile/integrations/webhook/deliveries/" + e.detailID })
}

func BenchmarkEndpointPageWithHealth(b *testing.B) {
	benchGet(b, func(e *benchEnv) string { return endpointPath(e.endpointID, "") })
}
