package webhook

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/loadhook/loadhook/models"
)

// On SQLite the engine tells River when to look for work, instead of River
// polling for it every few milliseconds. River's SQLite driver emulates
// LISTEN/NOTIFY with an outbox table it polls every 50 ms, and the producer
// polls for due jobs every FetchPollInterval: together 7 % of a core with no
// traffic, and a new job still waited for the next poll. A SQLite file
// belongs to one process, so there is nobody else to notify: the engine
// runs River in poll-only mode (sqliteQueueDriver) and wakes the producer
// itself (queueWaker) whenever it has committed a job or a snoozed job falls
// due. The poll remains as a backstop, every SQLitePollInterval.

// SQLitePollInterval is how often River looks for due jobs on SQLite even
// when nothing woke it: jobs River itself makes due (its retries after a
// worker error, its stuck-job rescue) are only found this way.
const SQLitePollInterval = time.Second

// sqliteQueueDriver is River's SQLite driver, declared without a listener:
// River then works in poll-only mode, writes no notification rows in the
// transactions that insert jobs, runs no notification poll, and wakes its
// local producer after its own non-transactional inserts. Its executor
// commits River's fetch and completion without an fsync (unsynced.go).
type sqliteQueueDriver struct {
	*riversqlite.Driver
	store *models.Store
}

func newSQLiteQueueDriver(db *sql.DB, store *models.Store) sqliteQueueDriver {
	return sqliteQueueDriver{riversqlite.New(db), store}
}

// GetExecutor is River's executor, with its fetch and completion left
// unfsynced.
func (d sqliteQueueDriver) GetExecutor() riverdriver.Executor {
	return unsyncedQueueExecutor{Executor: d.Driver.GetExecutor(), driver: d.Driver, store: d.store}
}

// SupportsListener says River should poll rather than listen.
func (sqliteQueueDriver) SupportsListener() bool { return false }

// SupportsListenNotify says job inserts send no notifications.
func (sqliteQueueDriver) SupportsListenNotify() bool { return false }

// maxSnooze bounds a snooze on SQLite. River keeps a job snoozed for less
// than its scheduler's interval (5 s) available, due at a future time, so a
// wake at that time finds it; a longer snooze parks the job as scheduled
// until River's scheduler moves it back, up to 5 s late and unannounced.
// A longer wait is therefore made of several snoozes: the worker snoozes
// again while the message is not due (see attempt).
const maxSnooze = 4 * time.Second

// wakeMargin is how long after a snoozed job falls due the waker wakes the
// queue: River counts the snooze from when it records it, a moment after
// the worker returned.
const wakeMargin = 5 * time.Millisecond

// wakeArgs is the job the waker inserts to wake the producer. River wakes
// its local producer after a non-transactional insert, and has no other
// public way to; the engine's jobs are inserted inside its own transactions.
// The wake job is never written: the executor drops it from River's insert
// (wakeDroppingTx), so a wake is an empty transaction, with no write and no
// fsync, after which River wakes the producer. Even a duplicate of a unique
// job would not be free: River's table counts its ids with AUTOINCREMENT,
// and every insert attempt rewrites that counter.
type wakeArgs struct{}

// wakeKind names the wake job in the queue.
const wakeKind = "wake"

// Kind names the job in the queue.
func (wakeArgs) Kind() string { return wakeKind }

// InsertOpts puts the wake in the queue whose producer it wakes.
func (wakeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: river.QueueDefault}
}

// wakeWorker would run a wake job, which is never stored; a wake job left
// by an older version (unique, due in the year 9999) never runs either.
type wakeWorker struct {
	river.WorkerDefaults[wakeArgs]
}

func (wakeWorker) Work(context.Context, *river.Job[wakeArgs]) error { return nil }

// Begin is River's transaction on SQLite, with wake jobs dropped from its
// inserts.
func (e unsyncedQueueExecutor) Begin(ctx context.Context) (riverdriver.ExecutorTx, error) {
	tx, err := e.Executor.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return wakeDroppingTx{tx}, nil
}

// wakeDroppingTx is a River transaction whose fast inserts leave out wake
// jobs (see wakeArgs).
type wakeDroppingTx struct {
	riverdriver.ExecutorTx
}

func (tx wakeDroppingTx) JobInsertFastManyNoReturning(ctx context.Context, params *riverdriver.JobInsertFastManyParams) (int, error) {
	jobs := slices.DeleteFunc(slices.Clone(params.Jobs), func(job *riverdriver.JobInsertFastParams) bool { return job.Kind == wakeKind })
	if len(jobs) == 0 {
		return 0, nil
	}
	rest := *params
	rest.Jobs = jobs
	return tx.ExecutorTx.JobInsertFastManyNoReturning(ctx, &rest)
}

// queueWaker wakes River's producer on SQLite. Wake requests coalesce: one
// wake runs at a time, and requests made meanwhile cause one more.
type queueWaker struct {
	client *river.Client[*sql.Tx]
	log    *slog.Logger
	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newQueueWaker(client *river.Client[*sql.Tx], log *slog.Logger) *queueWaker {
	return &queueWaker{client: client, log: log, kick: make(chan struct{}, 1)}
}

// wake asks for the producer to look for jobs now. It may be called inside
// the transaction that inserted them: the wake is an insert of its own, and
// with SQLite's single connection it cannot begin before that transaction
// has committed (or rolled back, and then it finds nothing).
func (w *queueWaker) wake() {
	if w == nil {
		return
	}
	select {
	case w.kick <- struct{}{}:
	default: // a wake is already pending
	}
}

// wakeAfter wakes the producer once d has passed, for a job snoozed for d.
func (w *queueWaker) wakeAfter(d time.Duration) {
	if w == nil {
		return
	}
	time.AfterFunc(d+wakeMargin, w.wake)
}

func (w *queueWaker) start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.wg.Go(func() {
		wake := []river.InsertManyParams{{Args: wakeArgs{}}}
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.kick:
			}
			if _, err := w.client.InsertManyFast(ctx, wake); err != nil && ctx.Err() == nil {
				// The poll still finds the jobs, later.
				w.log.Warn("wake the delivery queue", "err", err)
			}
		}
	})
}

// stop ends the waker; later wakes are dropped.
func (w *queueWaker) stop() {
	if w == nil || w.cancel == nil {
		return
	}
	w.cancel()
	w.wg.Wait()
}

// snooze puts the job off for d, and on SQLite has the queue woken when it
// is due.
func (s *Service) snooze(d time.Duration) error {
	if s.waker != nil {
		d = min(d, maxSnooze)
		s.waker.wakeAfter(d)
	}
	return river.JobSnooze(d)
}

// sqlitePoll is the producer's poll on SQLite: the backstop interval, or
// the configured one if that is longer.
func sqlitePoll(configured time.Duration) time.Duration {
	return max(configured, SQLitePollInterval)
}
