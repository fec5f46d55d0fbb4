package webhook

import "sync"

// batcher is a group commit: callers hand in work and wait, and one
// goroutine commits whatever has gathered in a single transaction. With
// SQLite's single writer this turns a queue of small commits into a few
// larger ones; every caller still waits for its own commit.
type batcher[T any] struct {
	in     chan T
	commit func([]T)
	max    int
	wg     sync.WaitGroup
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

// stop commits what was handed in and ends the goroutine; nothing may be
// handed in afterwards.
func (b *batcher[T]) stop() {
	close(b.in)
	b.wg.Wait()
}
