package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// queueGroup is how many jobs one insert commits in the queue phase: about
// what one of the engine's publish batches held in the throughput phase
// (20,000 events in about 2,550 commits at API concurrency 16).
const queueGroup = 8

// queueAlone measures River by itself, in this process, on a fresh database
// of the kind under test: as many jobs as the throughput phase has events,
// of a worker that does nothing, inserted queueGroup to a commit from as
// many goroutines as the API has connections, then fetched and completed
// by a client on the engine's queue driver and settings (webhook.QueueDriver,
// webhook.QueueConfig); on SQLite River then wakes its producer after each
// insert, since they are made outside a transaction. Every delivery costs at
// least this much while River is the queue, so it is the floor the
// engine's cost per delivery is compared to.
func (b *bench) queueAlone(ctx context.Context) error {
	dsn, err := b.freshDB("queue")
	if err != nil {
		return err
	}
	db, sqlDB, err := openDB(dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	store := models.NewStore(db, nil)
	if err := webhook.MigrateQueue(ctx, store); err != nil {
		return err
	}
	driver, listener, err := webhook.QueueDriver(ctx, store)
	if err != nil {
		return err
	}
	if listener != nil {
		defer listener.Close()
	}
	var postmaster int
	if !store.IsSQLite() {
		if postmaster, err = postmasterOf(ctx, dsn); err != nil {
			return err
		}
	}

	n := b.opts.events
	var worked atomic.Int64
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[noopArgs]) error {
		worked.Add(1)
		return nil
	}))
	cfg := webhook.QueueConfig(workers, webhook.DefaultWorkers)
	cfg.Logger = slog.New(slog.DiscardHandler)
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return fmt.Errorf("create queue client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start queue client: %w", err)
	}
	defer client.Stop(context.Background())

	cpu0, pg0 := selfCPU(), postgresCPUOf(postmaster)
	start := time.Now()
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	group := make([]river.InsertManyParams, queueGroup)
	for i := range group {
		group[i] = river.InsertManyParams{Args: noopArgs{}}
	}
	for range b.opts.concurrency {
		wg.Go(func() {
			for next.Add(queueGroup) <= int64(n) {
				if _, err := client.InsertManyFast(ctx, group); err != nil {
					failed.Store(&err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return fmt.Errorf("insert jobs: %w", *err)
	}
	inserted := int64(n / queueGroup * queueGroup)
	deadline := time.Now().Add(5 * time.Minute)
	for worked.Load() < inserted || countCompleted(ctx, sqlDB) < inserted {
		if time.Now().After(deadline) {
			return fmt.Errorf("queue phase: %d of %d jobs worked in 5 minutes", worked.Load(), inserted)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wall := time.Since(start)
	cpu, pg := selfCPU()-cpu0, postgresCPUOf(postmaster)-pg0
	perJob := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(inserted) }
	split := ""
	if postmaster != 0 {
		split = fmt.Sprintf(": harness %.0f + Postgres %.0f", perJob(cpu), perJob(pg))
	}
	b.addRate(fmt.Sprintf("River alone: %s jobs that do nothing, %d per insert, fetched and completed (the floor of a delivery)", thousands(float64(inserted)), queueGroup),
		fmt.Sprintf("**%s jobs/s**; **%.0f µs CPU per job**%s", thousands(float64(inserted)/wall.Seconds()), perJob(cpu+pg), split),
		float64(inserted)/wall.Seconds())
	return nil
}

// noopArgs is the queue phase's job.
type noopArgs struct{}

func (noopArgs) Kind() string { return "loadbench_noop" }

// countCompleted is how many jobs the completer has recorded as completed.
func countCompleted(ctx context.Context, db *sql.DB) int64 {
	var n int64
	_ = db.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE state = 'completed'").Scan(&n)
	return n
}

// postgresCPUOf is postgresCPU, 0 on SQLite (postmaster 0) or if unreadable.
func postgresCPUOf(postmaster int) time.Duration {
	if postmaster == 0 {
		return 0
	}
	d, _ := postgresCPU(postmaster)
	return d
}
