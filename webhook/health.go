package webhook

import (
	"context"
	"errors"
)

// ErrNotRunning means the engine is not working its queue: not started
// yet, or stopping.
var ErrNotRunning = errors.New("the delivery engine is not running")

// Ready reports whether this instance can take and deliver events: the
// database answers and the queue is being worked.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	select {
	case <-s.river.Stopped():
		return ErrNotRunning
	default:
	}
	return nil
}
