package webhook

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loadhook/loadhook/models"
)

// On Postgres every change to an endpoint row is announced on
// models.EndpointChangesChannel (a trigger sends it). The endpoint watch
// listens on one connection of the queue's listener pool and drops each
// changed endpoint from the cache; while it listens, a cached endpoint is
// the stored one, and the worker skips the read of the enabled flag it
// otherwise makes before every attempt (one query per delivery). When the
// connection is lost, the cache stops calling its entries current (the
// per-attempt read is back) until the watch listens again.

// endpointWatchRetry is how long the watch waits before listening again
// after it lost its connection.
const endpointWatchRetry = time.Second

type endpointWatch struct {
	pool  *pgxpool.Pool
	cache *endpointCache
	log   *slog.Logger
	// listening, when set, is told each time the watch starts listening
	// (tests wait on it).
	listening func()
	cancel    context.CancelFunc
	done      chan struct{}
}

// start listens in the background until stop.
func (w *endpointWatch) start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		for {
			err := w.listen(ctx)
			if ctx.Err() != nil {
				return
			}
			w.log.Warn("endpoint changes: lost the notification connection; reading each endpoint's enabled flag per attempt until it is back", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(endpointWatchRetry):
			}
		}
	}()
}

// listen takes a connection, listens, and forgets every endpoint announced
// until the connection fails or ctx ends.
func (w *endpointWatch) listen(ctx context.Context) error {
	conn, err := w.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection that LISTENed must not serve anyone else: close it, so
	// the pool drops it on release.
	defer conn.Release()
	defer conn.Conn().Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+models.EndpointChangesChannel); err != nil {
		return err
	}
	// From here on no change can go unseen: entries loaded now are current.
	w.cache.setWatched(true)
	defer w.cache.setWatched(false)
	if w.listening != nil {
		w.listening()
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			// Not one of ours: forget everything rather than guess.
			w.cache.forgetAll()
			continue
		}
		w.cache.forget(id)
	}
}

// stop ends the watch and waits for it.
func (w *endpointWatch) stop() {
	if w == nil || w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
}
