package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/models"
)

// The defaults of automatic disabling (Config.AutoDisableAfter and
// AutoDisableMinMessages), as Stripe and Svix do it: an endpoint whose every
// message has failed for a day, and at least this many, is turned off.
const (
	DefaultAutoDisableAfter       = 24 * time.Hour
	DefaultAutoDisableMinMessages = 10
)

// autoDisablePolicy is the engine's setting as the store asks it.
func (s *Service) autoDisablePolicy() models.AutoDisablePolicy {
	return models.AutoDisablePolicy{After: s.cfg.AutoDisableAfter, MinMessages: s.cfg.AutoDisableMinMessages}
}

// afterFinalFailure runs once a message has failed for good, and turns its
// endpoint off if every message to it has failed long enough. It costs two
// index seeks while the streak is young, so it can run on every final
// failure; a 410 has already disabled the endpoint. A failed check is
// logged, not returned: the attempt itself is recorded and done.
func (s *Service) afterFinalFailure(ctx context.Context, msg *models.Message) {
	if s.cfg.AutoDisableAfter < 0 || msg.LastStatus == http.StatusGone || msg.LastErrorClass == ClassDisabled {
		return
	}
	now := time.Now().UTC()
	failing, since, err := s.store.FailedLongEnough(ctx, msg.EndpointID, s.autoDisablePolicy(), now)
	if err != nil {
		s.log.Error("check whether an endpoint keeps failing", "endpoint", msg.EndpointID, "err", err)
		return
	}
	if !failing {
		return
	}
	lastError := ExplainAttempt(msg.LastErrorClass, msg.LastStatus, "", false)
	reason := AutoDisableReason(s.cfg.AutoDisableAfter, since, lastError)
	// Several instances may decide at once: the store lets one of them do it.
	done, err := s.store.AutoDisableEndpoint(ctx, msg.EndpointID, reason, since, now)
	if err != nil {
		s.log.Error("disable a failing endpoint", "endpoint", msg.EndpointID, "err", err)
		return
	}
	if done {
		s.log.Warn("endpoint disabled: every message to it failed", "endpoint", msg.EndpointID, "user", msg.UserID,
			"failing_since", since, "after", s.cfg.AutoDisableAfter, "last_error", lastError, "last_message", msg.ID)
	}
}

// AutoDisableReason says why an endpoint was turned off, in the words the
// list and the overview show.
func AutoDisableReason(after time.Duration, since time.Time, lastError string) string {
	return fmt.Sprintf("every message to it failed for more than %s (since %s UTC); the last one: %s",
		afterText(after), since.UTC().Format("2 Jan 2006 15:04"), lastError)
}

// afterText writes the policy's period: "24 hours", "90 minutes".
func afterText(d time.Duration) string {
	if d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return d.String()
}

// Replayed is what ReenableAndReplay queued.
type Replayed struct {
	// Messages are failed or stopped messages sent again with their ids.
	Messages int
	// Missed are events that arrived while the endpoint was off, now queued
	// for it as new messages.
	Missed int
	// Capped says max was reached: more may be left.
	Capped bool
}

// ReenableAndReplay turns one of the user's endpoints back on, then sends
// again, through the queue, what it missed: the failed messages of its last
// failing streak (including those stopped by the disable) with their
// original webhook-ids, and the events that arrived while it was off, at
// most max in all. Messages are read before the endpoint is enabled, since
// enabling starts a new streak.
func (s *Service) ReenableAndReplay(ctx context.Context, userID, endpointID int64, max int) (Replayed, error) {
	var out Replayed
	ep, err := s.store.Endpoint(ctx, userID, endpointID)
	if err != nil {
		return out, err
	}
	ids, err := s.store.ReplayableMessageIDs(ctx, userID, endpointID, max)
	if err != nil {
		return out, err
	}
	if err := s.store.SetEndpointEnabled(ctx, userID, endpointID, true); err != nil {
		return out, err
	}
	for _, id := range ids {
		err := s.Redeliver(ctx, userID, id)
		switch {
		case errors.Is(err, models.ErrNotRedeliverable), errors.Is(err, models.ErrNotFound):
			// Redelivered or deleted since the list was read.
		case err != nil:
			return out, fmt.Errorf("replay message %s: %w", id, err)
		default:
			out.Messages++
		}
	}
	if ep.DisabledAt != nil {
		if out.Missed, err = s.deliverMissed(ctx, ep, *ep.DisabledAt, max-len(ids)); err != nil {
			return out, err
		}
	}
	out.Capped = len(ids)+out.Missed >= max
	return out, nil
}

// deliverMissed queues, in one transaction, a new message for each event of
// the endpoint's types that arrived since since without one, at most max.
func (s *Service) deliverMissed(ctx context.Context, ep *models.Endpoint, since time.Time, max int) (int, error) {
	n := 0
	err := s.store.InTx(ctx, func(tx *models.Tx) error {
		events, err := s.store.MissedEvents(tx, ep.UserID, ep.ID, ep.EventTypes(), since, max)
		if err != nil || len(events) == 0 {
			return err
		}
		now := time.Now().UTC()
		msgs := make([]models.Message, len(events))
		jobs := make([]river.InsertManyParams, len(events))
		for i, e := range events {
			msgs[i] = models.Message{
				ID: models.NewID(models.MessageIDPrefix), EventID: e.ID, EndpointID: ep.ID, UserID: ep.UserID,
				EventType: e.Type, State: models.StatePending, MaxAttempts: MaxAttempts,
				NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
			}
			jobs[i] = river.InsertManyParams{Args: DeliverArgs{MessageID: msgs[i].ID}}
		}
		if err := s.store.CreateDeliveries(tx, nil, msgs); err != nil {
			return err
		}
		n = len(msgs)
		return s.enqueue(ctx, tx, jobs)
	})
	if err != nil {
		return 0, fmt.Errorf("queue the events endpoint %d missed: %w", ep.ID, err)
	}
	return n, nil
}

// stopDisabledUnless is stopDisabled, unless reading the endpoint failed:
// then that error (nil for a deleted endpoint, which needs nothing more).
func (s *Service) stopDisabledUnless(ctx context.Context, msg *models.Message, readErr error) error {
	switch {
	case errors.Is(readErr, models.ErrNotFound):
		return nil
	case readErr != nil:
		return readErr
	}
	return s.stopDisabled(ctx, msg)
}
