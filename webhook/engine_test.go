package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/internal/testdb"
	"github.com/loadhook/loadhook/internal/teststore"
	"github.com/loadhook/loadhook/models"
)

// testEngine is a running Service over a fresh database (see testdb).
type testEngine struct {
	svc    *Service
	store  *models.Store
	userID int64
	// dsn names the database: a SQLite file path, or a Postgres URL.
	dsn string
	// db is the test's handle on the rows, for setting up and checking.
	db *gorm.DB
}

func newTestEngine(t testing.TB, allowed string, cfg Config, opts ...models.Option) *testEngine {
	t.Helper()
	e := newIdleEngine(t, allowed, cfg, opts...)
	if err := e.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// newIdleEngine builds the engine without starting its workers, for tests
// that prepare rows first.
func newIdleEngine(t testing.TB, allowed string, cfg Config, opts ...models.Option) *testEngine {
	t.Helper()
	dsn := testdb.DSN(t, os.Getenv)
	store, db := teststore.Open(t, dsn, opts...)
	policy, err := hostguard.ParseAllowedHosts(allowed)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = "https://loadhook.example"
	svc, err := NewService(t.Context(), store, policy, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		svc.Stop(ctx)
	})
	u, err := store.CreateUser(t.Context(), "owner@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	return &testEngine{svc: svc, store: store, userID: u.ID, dsn: dsn, db: db}
}

// addEndpoint creates an enabled endpoint subscribed to every event type.
func (e *testEngine) addEndpoint(t testing.TB, url string, headers ...catalog.Header) *models.Endpoint {
	t.Helper()
	var names []string
	for _, et := range catalog.EventTypes() {
		names = append(names, et.Name)
	}
	ep := &models.Endpoint{UserID: e.userID, URL: url, Enabled: true, Secret: catalog.GenerateSecret(), Headers: headers}
	ep.Events = strings.Join(names, ",")
	if err := e.store.CreateEndpoint(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

// waitMessage polls until the message reaches a final state or the timeout.
func (e *testEngine) waitMessage(t *testing.T, id string, timeout time.Duration) *models.Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg, err := e.store.Message(t.Context(), e.userID, id)
		if err != nil {
			t.Fatal(err)
		}
		if msg.State == models.StateSucceeded || msg.State == models.StateFailed || time.Now().After(deadline) {
			return msg
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *testEngine) attempts(t *testing.T, msgID string) []models.Attempt {
	t.Helper()
	var out []models.Attempt
	if err := e.db.Where("message_id = ?", msgID).Order("number").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// arrival is one request a test receiver saw.
type arrival struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is a test receiver that answers with the statuses in order (the
// last one repeats) and records every arrival.
type receiver struct {
	mu       sync.Mutex
	arrivals []arrival
	statuses []int
	hang     func(n int) time.Duration
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body := make([]byte, req.ContentLength)
	req.Body.Read(body)
	r.mu.Lock()
	n := len(r.arrivals)
	r.arrivals = append(r.arrivals, arrival{at: time.Now(), header: req.Header.Clone(), body: body})
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status = r.statuses[min(n, len(r.statuses)-1)]
	}
	r.mu.Unlock()
	if r.hang != nil {
		if d := r.hang(n); d > 0 {
			select {
			case <-time.After(d):
			case <-req.Context().Done():
				return
			}
		}
	}
	w.WriteHeader(status)
}

func (r *receiver) got() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]arrival(nil), r.arrivals...)
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
