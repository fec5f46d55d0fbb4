package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// drain measures delivery alone: events for the throughput users are
// published into a fresh database by an engine in this process that never
// starts its queue, then the server starts on that backlog and works it off.
// Comparing with the end-to-end run tells ingest's share of the cost.
func (b *bench) drain(ctx context.Context) error {
	dbPath, err := b.freshDB("drain")
	if err != nil {
		return err
	}
	seed, err := b.seed(ctx, dbPath)
	if err != nil {
		return err
	}
	n := b.opts.events
	ids, err := b.publishBacklog(ctx, dbPath, seed.userIDs, n)
	if err != nil {
		return err
	}
	b.log.Info("drain phase: backlog published, starting the server", "messages", len(ids))

	seenBefore := b.recv.okDistinct.Load()
	srv, logFile, err := b.startServer(ctx, dbPath, "drain.log")
	if err != nil {
		return err
	}
	defer logFile.Close()
	stopProfile, err := b.profile("drain")
	if err != nil {
		srv.Stop(ctx)
		return err
	}
	defer stopProfile()
	cpu0 := cpuOf(srv)
	reader, readerDB, err := openDB(dbPath)
	if err != nil {
		srv.Stop(ctx)
		return fmt.Errorf("open drain reader: %w", err)
	}
	defer readerDB.Close()
	deadline := time.Now().Add(5 * time.Minute)
	for b.recv.okDistinct.Load()-seenBefore < int64(n) || countRows(reader, "attempts") < int64(n) {
		if time.Now().After(deadline) {
			srv.Stop(ctx)
			return fmt.Errorf("backlog not drained in 5 minutes: %d of %d arrived", b.recv.okDistinct.Load()-seenBefore, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := time.Now()
	cpu1 := cpuOf(srv)
	// The server delivers while it is still starting up, so the clock
	// starts at the first arrival rather than at readiness.
	first := done
	for _, id := range ids {
		if at, ok := b.recv.arrival(id); ok && at.Before(first) {
			first = at
		}
	}
	if _, err := srv.Stop(ctx); err != nil {
		return err
	}
	took := done.Sub(first)
	detail := ""
	if cpu1 > 0 {
		detail = fmt.Sprintf("; server CPU %.0f µs per delivery", float64((cpu1-cpu0).Microseconds())/float64(n))
	}
	b.addRate(fmt.Sprintf("Delivery alone: %s-message backlog published before start, %d endpoints (first arrival → all arrived and recorded)", thousands(float64(n)), len(seed.userIDs)),
		fmt.Sprintf("%s deliveries/s (%.2f s%s)", thousands(rate(n, took)), took.Seconds(), detail), rate(n, took))
	return nil
}

// publishBacklog publishes n events round-robin over users through an engine
// whose queue never starts, and returns the message ids. They are the
// throughput phase's events, of no test run: one run for all would chain
// each endpoint's messages one behind the other (order per test run).
func (b *bench) publishBacklog(ctx context.Context, dbPath string, users []int64, n int) ([]string, error) {
	db, sqlDB, err := openDB(dbPath)
	if err != nil {
		return nil, fmt.Errorf("backlog database: %w", err)
	}
	defer sqlDB.Close()
	sealer, err := models.NewSealer([]byte(benchSecret))
	if err != nil {
		return nil, fmt.Errorf("backlog sealer: %w", err)
	}
	policy, err := hostguard.ParseAllowedHosts("loopback")
	if err != nil {
		return nil, fmt.Errorf("backlog policy: %w", err)
	}
	svc, err := webhook.NewService(ctx, models.NewStore(db, sealer), policy, nil, webhook.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("backlog engine: %w", err)
	}
	defer svc.Stop(context.Background())
	ids := make([]string, n)
	var next atomic.Int64
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				in, reqErr := catalog.ParseEventRequest(b.throughputEvent())
				if reqErr != nil {
					errs <- reqErr
					return
				}
				pub, err := svc.Publish(ctx, users[i%len(users)], in)
				if err != nil {
					errs <- fmt.Errorf("publish backlog event %d: %w", i, err)
					return
				}
				ids[i] = pub.Messages[0].ID
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return ids, nil
}
