package webhook

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/models"
)

// unsyncedQueueExecutor is River's SQLite executor whose two busiest
// writes, the fetch (a job set running) and the completer (a job set
// completed, snoozed or retried), commit without an fsync: a third of the
// fsyncs of a delivery, on the connection every write waits for. The
// engine's own commits (a published event, a recorded attempt) are still
// fsynced, and each such fsync makes every commit before it durable, since
// SQLite's WAL is written in order. What a power cut can take back is the
// queue's bookkeeping since the last fsynced commit: a job then runs again,
// and the message row, which was fsynced before the job could complete,
// says whether an attempt is still due (see attempt). docs/decisions.md,
// "River's bookkeeping on SQLite is not fsynced".
type unsyncedQueueExecutor struct {
	riverdriver.Executor
	driver *riversqlite.Driver
	store  *models.Store
}

func (e unsyncedQueueExecutor) JobGetAvailable(ctx context.Context, params *riverdriver.JobGetAvailableParams) (*riverdriver.JobGetAvailableResult, error) {
	return unsynced(ctx, e, func(tx riverdriver.ExecutorTx) (*riverdriver.JobGetAvailableResult, error) {
		return tx.JobGetAvailable(ctx, params)
	})
}

func (e unsyncedQueueExecutor) JobSetStateIfRunningMany(ctx context.Context, params *riverdriver.JobSetStateIfRunningManyParams) ([]*rivertype.JobRow, error) {
	return unsynced(ctx, e, func(tx riverdriver.ExecutorTx) ([]*rivertype.JobRow, error) {
		return tx.JobSetStateIfRunningMany(ctx, params)
	})
}

// unsynced runs one of River's operations on its executor for a
// transaction that commits without an fsync.
func unsynced[T any](ctx context.Context, e unsyncedQueueExecutor, op func(riverdriver.ExecutorTx) (T, error)) (T, error) {
	var out T
	err := e.store.InUnsyncedTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = op(e.driver.UnwrapExecutor(tx))
		return err
	})
	return out, err
}
