package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadhook/loadhook/internal/serverproc"
)

// posted is one accepted event: when its 202 came and what it created.
type posted struct {
	sent, accepted time.Time
	messages       []string
}

// post sends one event and times it.
func (b *bench) post(ctx context.Context, token string, body []byte) (posted, error) {
	sent := time.Now()
	acc, err := serverproc.PostEvent(ctx, b.client, b.srv.URL(), token, body)
	if err != nil {
		return posted{}, err
	}
	p := posted{sent: sent, accepted: time.Now()}
	for _, m := range acc.Messages {
		p.messages = append(p.messages, m.ID)
	}
	return p, nil
}

// postMany sends n events from workers goroutines; body(i) picks the token
// and body of event i.
func (b *bench) postMany(ctx context.Context, n, workers int, body func(i int) (string, []byte)) ([]posted, error) {
	out := make([]posted, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				token, payload := body(i)
				p, err := b.post(ctx, token, payload)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("event %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				out[i] = p
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// paced sends n events at perSecond, each from its own goroutine so a slow
// answer does not delay the next send.
func (b *bench) paced(ctx context.Context, n, perSecond int, body func(i int) (string, []byte)) ([]posted, error) {
	out := make([]posted, n)
	errs := make([]error, n)
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		if i > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wg.Go(func() {
			token, payload := body(i)
			out[i], errs[i] = b.post(ctx, token, payload)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// startedEvent is a unique TEST_STARTED body.
func (b *bench) startedEvent() []byte {
	return serverproc.StartedEvent(int(b.runID.Add(1)))
}

// firstAttemptLatency waits until every message of ps arrived on /ok/ and
// returns, per message, the time from its event's 202 to the arrival.
func (b *bench) firstAttemptLatency(ctx context.Context, ps []posted, timeout time.Duration) (dist, error) {
	deadline := time.Now().Add(timeout)
	var out dist
	for _, p := range ps {
		for _, id := range p.messages {
			for {
				at, ok := b.recv.arrival(id)
				if ok {
					out = append(out, at.Sub(p.accepted))
					break
				}
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("message %s not delivered within %s", id, timeout)
				}
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}
	return out, nil
}
