// Package webhook is the delivery engine: it turns platform events into
// signed HTTP POSTs, queues them durably, retries them on schedule and records
// every attempt. It knows nothing of HTTP handlers or views.
package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/metrics"
	"github.com/loadhook/loadhook/models"
)

// The defaults of Config, taken when a field is zero; the server's flags
// offer the same.
const (
	DefaultWorkers      = 100
	DefaultPerEndpoint  = 4
	DefaultPollInterval = 100 * time.Millisecond
	DefaultRetention    = 30 * 24 * time.Hour
	DefaultUserAgent    = "loadhook/dev"
)

// Config tunes the engine; zero values take the defaults.
type Config struct {
	// Source is the payload's "source" field (default catalog.DefaultSource).
	Source string
	// BaseURL is the server's own URL, used in sample events' links.
	BaseURL string
	// Workers is how many attempts may run at once in this process
	// (default DefaultWorkers).
	Workers int
	// PerEndpoint caps the attempts in flight per endpoint, across the
	// cluster (default DefaultPerEndpoint).
	PerEndpoint int
	// PollInterval is how often the queue looks for due jobs (default
	// DefaultPollInterval). On Postgres new jobs wake the queue through
	// LISTEN/NOTIFY and the poll finds snoozed jobs once due (retries,
	// messages turned away by the in-flight cap), so it bounds their
	// lateness: at 20 ms an idle instance spent 6.8 % of a core (app and
	// Postgres) fetching nothing, at 100 ms 1.9 %, with retries about 0.1 s
	// later and the same throughput (BENCHMARKS.md). On SQLite the engine
	// wakes the queue itself and this is a backstop of at least
	// SQLitePollInterval (wake.go).
	PollInterval time.Duration
	// Retention is how long attempts and payloads are kept (default
	// DefaultRetention).
	Retention time.Duration
	// UserAgent is sent with every attempt (default DefaultUserAgent).
	UserAgent string
	// AutoDisableAfter turns off an endpoint whose every message has failed
	// for this long (default DefaultAutoDisableAfter); negative never does.
	AutoDisableAfter time.Duration
	// AutoDisableMinMessages is how many failed messages that takes at
	// least (default DefaultAutoDisableMinMessages).
	AutoDisableMinMessages int
	// Metrics receives the engine's counters; nil records nothing.
	Metrics *metrics.Metrics
	Logger  *slog.Logger
}

func (c *Config) defaults() {
	if c.Source == "" {
		c.Source = catalog.DefaultSource
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = DefaultPerEndpoint
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.AutoDisableAfter == 0 {
		c.AutoDisableAfter = DefaultAutoDisableAfter
	}
	if c.AutoDisableMinMessages <= 0 {
		c.AutoDisableMinMessages = DefaultAutoDisableMinMessages
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Service publishes events and delivers their messages.
type Service struct {
	cfg       Config
	store     *models.Store
	sender    *Sender
	policy    *hostguard.HostPolicy
	limiter   *endpointLimiter
	workers   attemptSlots
	endpoints *endpointCache
	handoff   *handoff
	recorder  *batcher[recordRequest]
	publisher *batcher[*publishRequest]
	river     *river.Client[*sql.Tx]
	// driver reaches River's rescue query (see makeAvailable).
	driver riverdriver.Driver[*sql.Tx]
	// member, listener and watch are set on Postgres only: the cluster
	// heartbeat, the pgx pool that receives LISTEN/NOTIFY for the queue,
	// and the watch of endpoint changes that keeps the cache current.
	// ownQueue is then the member's own queue, where the jobs this process
	// inserts go while it has a share of the per-endpoint cap (cluster.go);
	// nil until the member has joined, since nobody would work the queue of
	// an instance the cluster does not know. Stop clears it too, though by
	// then its order (HTTP, publisher, workers first) leaves nobody to
	// insert.
	member   *clusterMember
	ownQueue atomic.Pointer[river.InsertOpts]
	listener *pgxpool.Pool
	watch    *endpointWatch
	// waker is set on SQLite only: it wakes the queue when a job is
	// committed or falls due (wake.go).
	waker *queueWaker
	// atCommit is set on SQLite only: it starts first attempts at the
	// publish commit (direct.go).
	atCommit *atCommit
	log      *slog.Logger
}

// NewService migrates the queue's tables and builds the queue client; call
// Start to begin delivering.
func NewService(ctx context.Context, store *models.Store, policy *hostguard.HostPolicy, resolver hostguard.Resolver, cfg Config) (*Service, error) {
	cfg.defaults()
	s := &Service{
		cfg:     cfg,
		store:   store,
		sender:  NewSender(policy, resolver, cfg.UserAgent),
		policy:  policy,
		limiter: newEndpointLimiter(cfg.PerEndpoint, cfg.Metrics),
		workers: make(attemptSlots, cfg.Workers),
		log:     cfg.Logger,
	}
	s.endpoints = newEndpointCache(time.Second, store.EndpointByID)
	s.handoff = newHandoff(20000)
	s.recorder = newBatcher(256, s.storeRecords)
	s.publisher = newBatcher(128, s.storeBatch)
	// Both run from construction, so events can be published before (or
	// without) Start; Stop ends them.
	s.recorder.start()
	s.publisher.start()

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker{s: s}); err != nil {
		return nil, fmt.Errorf("register delivery worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &deliverBatchWorker{s: s}); err != nil {
		return nil, fmt.Errorf("register batch delivery worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &pruneWorker{s: s}); err != nil {
		return nil, fmt.Errorf("register prune worker: %w", err)
	}
	riverCfg := QueueConfig(workers, cfg.Workers)
	riverCfg.FetchPollInterval = cfg.PollInterval
	riverCfg.JobTimeout = jobTimeout
	riverCfg.RescueStuckJobsAfter = rescueStuckJobsAfter
	riverCfg.MaxAttempts = 25
	riverCfg.PeriodicJobs = []*river.PeriodicJob{pruneJob()}
	// River reports job counts every few seconds at info level; only its
	// warnings and errors belong in the server's log.
	riverCfg.Logger = slog.New(minLevel{cfg.Logger.Handler(), slog.LevelWarn})
	driver, listener, err := QueueDriver(ctx, store)
	if err != nil {
		return nil, err
	}
	if store.IsSQLite() {
		// The engine wakes the queue itself; the poll is a backstop.
		riverCfg.FetchPollInterval = sqlitePoll(cfg.PollInterval)
		if err := river.AddWorkerSafely(workers, wakeWorker{}); err != nil {
			return nil, fmt.Errorf("register wake worker: %w", err)
		}
		// Every endpoint change goes through this process: the cache is
		// watched from the start.
		if err := store.OnEndpointWrite(s.endpoints.forgetAll); err != nil {
			return nil, err
		}
		s.endpoints.setWatched(true)
	} else {
		s.listener = listener
		s.watch = &endpointWatch{pool: s.listener, cache: s.endpoints, log: s.log}
		s.member = newClusterMember(s, driver)
		riverCfg.ID = s.member.id
		riverCfg.Queues[s.member.id] = s.member.queueConfig()
		// The default queue holds only the periodic prune and jobs from
		// before queues were per instance: a second producer polling it as
		// often as the own queue raised idle CPU from 2.7 to 3.9 %.
		riverCfg.Queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: cfg.Workers, FetchPollInterval: time.Second}
	}
	if err := migrateQueue(ctx, driver); err != nil {
		return nil, err
	}
	s.driver = driver
	s.river, err = river.NewClient(driver, riverCfg)
	if err != nil {
		return nil, fmt.Errorf("create queue client: %w", err)
	}
	if store.IsSQLite() {
		s.waker = newQueueWaker(s.river, s.log)
		s.atCommit = newAtCommit()
	}
	return s, nil
}

// An attempt lasts at most 10 s; a job running much longer than that
// belongs to a process that died, and is rescued.
const (
	jobTimeout           = 20 * time.Second
	rescueStuckJobsAfter = 25 * time.Second
)

// fetchCooldown is the least time between two fetches of the queue: under
// load a fetch takes the jobs of several commits. 10 and 20 ms fetched more
// per fetch, but first attempts at light load waited for it and the cost
// per delivery did not fall (BENCHMARKS.md).
const fetchCooldown = 5 * time.Millisecond

// QueueConfig is the queue's settings that do not depend on the process:
// one queue of maxWorkers, the fetch cooldown, and an hour's retention of
// completed jobs. The engine adds its own (poll, rescue, periodic pruning,
// logger); the load harness measures River alone with these.
func QueueConfig(workers *river.Workers, maxWorkers int) *river.Config {
	return &river.Config{
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers:                     workers,
		FetchCooldown:               fetchCooldown,
		CompletedJobRetentionPeriod: time.Hour,
	}
}

// QueueDriver is River's driver as the engine runs it on store's database.
// Both work on database/sql transactions, so GORM's transaction can carry
// the job inserts on SQLite and Postgres alike. On SQLite it has no
// listener: the engine wakes the queue itself (wake.go). On Postgres a
// small pgx pool only listens, so new jobs start at once and idle
// instances stop polling; listener is that pool (nil on SQLite), for the
// caller to close once the queue has stopped.
func QueueDriver(ctx context.Context, store *models.Store) (driver riverdriver.Driver[*sql.Tx], listener *pgxpool.Pool, err error) {
	sqlDB, err := store.Pool()
	if err != nil {
		return nil, nil, err
	}
	if store.IsSQLite() {
		return newSQLiteQueueDriver(sqlDB, store), nil, nil
	}
	if listener, err = newListenerPool(ctx, store.PostgresDSN()); err != nil {
		return nil, nil, err
	}
	return riverdatabasesql.NewWithPgxListener(sqlDB, listener), listener, nil
}

// minLevel drops records below a level from a handler.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

func migrateQueue(ctx context.Context, driver riverdriver.Driver[*sql.Tx]) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("create queue migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate queue tables: %w", err)
	}
	return nil
}

// Start begins working the queue, including messages left unfinished by a
// previous process.
func (s *Service) Start(ctx context.Context) error {
	if s.store.IsSQLite() {
		// A SQLite file belongs to one process, so a job still "running"
		// was cut off when the previous process died. Make it available
		// now rather than after River's stuck-job rescue (about a minute).
		running, err := s.runningJobs(ctx)
		if err != nil {
			return fmt.Errorf("requeue interrupted deliveries: %w", err)
		}
		now := time.Now()
		err = makeAvailable(ctx, s.driver, running, now, now, func(*rivertype.JobRow) string {
			return "interrupted by the last shutdown"
		})
		if err != nil {
			return fmt.Errorf("requeue interrupted deliveries: %w", err)
		}
		if len(running) > 0 {
			s.log.Info("requeued deliveries interrupted by the last shutdown", "jobs", len(running))
		}
		leftovers, err := s.dueLeftovers(ctx)
		if err != nil {
			return fmt.Errorf("requeue interrupted deliveries: %w", err)
		}
		if leftovers > 0 {
			s.log.Info("requeued first attempts a previous process left unfinished", "jobs", leftovers)
		}
	}
	if s.member != nil {
		if err := s.member.start(ctx); err != nil {
			return err
		}
		s.ownQueue.Store(&river.InsertOpts{Queue: s.member.id})
	}
	if s.watch != nil {
		s.watch.start(ctx)
	}
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	if s.waker != nil {
		s.waker.start()
	}
	if s.atCommit != nil {
		s.startAtCommit()
	}
	return nil
}

// Stop stops fetching new work and waits for attempts in flight (each ends
// within 10 s); after ctx expires, the rest are cancelled and retried later.
func (s *Service) Stop(ctx context.Context) error {
	// The recorder outlives the workers: their last attempts are recorded.
	defer s.recorder.stop()
	defer s.waker.stop()
	if s.listener != nil {
		defer s.listener.Close()
		defer s.watch.stop()
	}
	if s.member != nil {
		// Leave the cluster after the queue stopped: until then this
		// instance still holds its share of every endpoint's cap.
		defer func() {
			s.ownQueue.Store(nil)
			if err := s.member.stop(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("leave the cluster", "err", err)
			}
		}()
	}
	// HTTP has stopped before this, so no more events come in.
	s.publisher.stop()
	if s.atCommit != nil {
		s.atCommit.stop(ctx)
	}
	if err := s.river.Stop(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return s.river.StopAndCancel(context.Background())
		}
		return fmt.Errorf("stop queue: %w", err)
	}
	return nil
}

// Policy is the host policy outgoing requests obey; forms use it to warn early.
func (s *Service) Policy() *hostguard.HostPolicy { return s.policy }

// newListenerPool opens the few pgx connections that only LISTEN: one for
// River's notices of new jobs, one for the endpoint watch.
func newListenerPool(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres URL for the queue listener: %w", err)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the queue listener: %w", err)
	}
	return pool, nil
}
