package webhook

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is returned for work handed in after the engine stopped.
var ErrStopped = errors.New("the delivery engine is shutting down")

// batcher is a group commit: callers hand in work and wait, and one
// goroutine commits whatever has gathered in a single transaction. With
// SQLite's single writer this turns a queue of small commits into a few
// larger ones; every caller still waits for its own commit.
type batcher[T any] struct {
	in     chan T
	commit func([]T)
	max    int
	wg     sync.WaitGroup
	// closing guards in: submit holds it for reading while sending, stop
	// for writing while closing, so nothing is sent on a closed channel.
	closing sync.RWMutex
	closed  bool
}

func newBatcher[T any](max int, commit func([]T)) *batcher[T] {
	return &batcher[T]{in: make(chan T, max), commit: commit, max: max}
}

func (b *batcher[T]) start() {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		batch := make([]T, 0, b.max)
		for first := range b.in {
			batch = append(batch[:0], first)
		gather:
			for len(batch) < b.max {
				select {
				case item, ok := <-b.in:
					if !ok {
						break gather
					}
					batch = append(batch, item)
				default:
					break gather
				}
			}
			b.commit(batch)
		}
	}()
}

// submit hands in one item; the caller waits for its outcome by its own means.
func (b *batcher[T]) submit(ctx context.Context, item T) error {
	b.closing.RLock()
	defer b.closing.RUnlock()
	if b.closed {
		return ErrStopped
	}
	select {
	case b.in <- item:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop commits what was handed in and ends the goroutine; later submits get
// ErrStopped.
func (b *batcher[T]) stop() {
	b.closing.Lock()
	b.closed = true
	close(b.in)
	b.closing.Unlock()
	b.wg.Wait()
}
