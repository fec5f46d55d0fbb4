package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// Published is what Publish stored: the event and one message per endpoint.
type Published struct {
	EventID  string
	Messages []PublishedMessage
	// Replayed says an Idempotency-Key was seen before: this is the first
	// request's event, and nothing new was stored.
	Replayed bool
}

// PublishedMessage names one stored message.
type PublishedMessage struct {
	ID         string `json:"id"`
	EndpointID int64  `json:"endpointId"`
}

// Publish stores an event and a message with its queue job for every enabled
// endpoint of the user that subscribes to the event's type, in one
// transaction: when it returns nil, every delivery is durable.
func (s *Service) Publish(ctx context.Context, userID int64, in catalog.EventInput) (*Published, error) {
	return s.publish(ctx, userID, in, false, toSubscribers)
}

// toSubscribers, as a request's targets, sends the event to the user's
// enabled endpoints subscribed to its type: storeBatch reads them for the
// whole batch in one query.
var toSubscribers func(*models.Tx) ([]int64, error)

// ErrEndpointDisabled refuses a test event for a disabled endpoint: a
// disabled endpoint is sent nothing.
var ErrEndpointDisabled = errors.New("the endpoint is disabled, and loadhook sends a disabled endpoint nothing, test events included: enable it first")

// SendTest sends the sample event of eventType to one endpoint through the
// same queue, signing and retries as real events, whatever its
// subscriptions. A disabled endpoint gets ErrEndpointDisabled.
func (s *Service) SendTest(ctx context.Context, userID, endpointID int64, eventType string) (*PublishedMessage, error) {
	in, err := catalog.SampleEvent(eventType, s.cfg.BaseURL, time.Now())
	if err != nil {
		return nil, err
	}
	pub, err := s.publish(ctx, userID, in, true, func(tx *models.Tx) ([]int64, error) {
		enabled, err := s.store.OwnEndpointEnabled(tx, userID, endpointID)
		if err != nil {
			return nil, err
		}
		if !enabled {
			return nil, ErrEndpointDisabled
		}
		return []int64{endpointID}, nil
	})
	if err != nil {
		return nil, err
	}
	return &pub.Messages[0], nil
}

// PublishOnce is Publish under an Idempotency-Key: the first request with
// the key stores the event; the same key with the same request (its hash)
// within models.IdempotencyWindow answers that event again, marked Replayed,
// and stores nothing; with another request it is models.ErrIdempotencyMismatch.
func (s *Service) PublishOnce(ctx context.Context, userID int64, key, requestHash string, in catalog.EventInput) (*Published, error) {
	return s.publishWith(ctx, userID, in, false, toSubscribers, &models.IdempotencyKey{UserID: userID, Key: key, RequestHash: requestHash})
}

func (s *Service) publish(ctx context.Context, userID int64, in catalog.EventInput, test bool, targets func(*models.Tx) ([]int64, error)) (*Published, error) {
	return s.publishWith(ctx, userID, in, test, targets, nil)
}

// runOf is the test run whose order the event's messages keep. A test
// event has none: its testRunId is the catalog's sample, the same in every
// test, and one failing test must not hold back the next.
func runOf(in catalog.EventInput, test bool) string {
	if test {
		return ""
	}
	return in.TestRunID()
}

func (s *Service) publishWith(ctx context.Context, userID int64, in catalog.EventInput, test bool, targets func(*models.Tx) ([]int64, error), idem *models.IdempotencyKey) (*Published, error) {
	body, err := catalog.BuildPayload(s.cfg.Source, in)
	if err != nil {
		return nil, err
	}
	req := &publishRequest{
		event:   models.Event{ID: models.NewID(models.EventIDPrefix), UserID: userID, Type: in.Type, Test: test, Payload: body},
		runID:   runOf(in, test),
		targets: targets,
		idem:    idem,
		done:    make(chan error, 1),
	}
	if err := s.publisher.submit(ctx, req); err != nil {
		return nil, err
	}
	// Once submitted, wait for the outcome even if ctx ends: the caller
	// must learn whether the event was stored.
	if err := <-req.done; err != nil {
		return nil, fmt.Errorf("publish %s: %w", in.Type, err)
	}
	if req.replay {
		eventID, msgs, err := s.store.IdempotentEvent(ctx, userID, idem.Key, idem.RequestHash)
		if err != nil {
			return nil, err
		}
		pub := &Published{EventID: eventID, Replayed: true, Messages: make([]PublishedMessage, 0, len(msgs))}
		for _, m := range msgs {
			pub.Messages = append(pub.Messages, PublishedMessage{ID: m.ID, EndpointID: m.EndpointID})
		}
		return pub, nil
	}
	return &req.published, nil
}

// publishRequest is one event waiting to be stored with its messages.
type publishRequest struct {
	event models.Event
	// runID is the event's testRunId: its messages go in order per endpoint.
	runID string
	// targets picks the endpoints inside the batch's transaction;
	// toSubscribers (nil) means the user's subscribed endpoints.
	targets func(*models.Tx) ([]int64, error)
	// idem, when set, is claimed in the batch's transaction; replay says
	// the key was already used, so nothing was stored for this request.
	idem      *models.IdempotencyKey
	replay    bool
	published Published
	err       error
	done      chan error
}

// storeBatch stores several events, their messages and the batch jobs of
// their first attempts (batch.go) in one transaction; on SQLite it then
// starts those attempts itself (direct.go). A request refused
// for what it asks (its endpoint not found, or disabled) fails alone; any
// other error fails the batch: nothing of it is stored, and every request
// of it gets the error, including those the transaction never reached (a
// BEGIN that timed out reaches none).
func (s *Service) storeBatch(batch []*publishRequest) {
	var fresh []models.Delivery
	var started []backstopJob
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.store.InTx(ctx, func(tx *models.Tx) error {
		fresh, started = fresh[:0], nil
		now := time.Now().UTC()
		var events []models.Event
		var msgs []models.Message
		var ids []string
		subs, err := s.store.SubscribedEndpoints(tx, subscribingUsers(batch))
		if err != nil {
			return err
		}
		for _, r := range batch {
			r.replay = false
			if r.idem != nil {
				r.idem.EventID, r.idem.CreatedAt = r.event.ID, now
				claimed, err := models.ClaimIdempotencyKey(tx, r.idem)
				if err != nil {
					return err
				}
				if !claimed {
					r.replay = true
					continue
				}
			}
			endpoints, err := r.endpoints(tx, subs)
			if errors.Is(err, models.ErrNotFound) || errors.Is(err, ErrEndpointDisabled) {
				r.err = err
				continue
			}
			if err != nil {
				return err
			}
			r.event.CreatedAt = now
			events = append(events, r.event)
			r.published = Published{EventID: r.event.ID, Messages: make([]PublishedMessage, 0, len(endpoints))}
			for _, endpointID := range endpoints {
				msg := models.Message{
					ID: models.NewID(models.MessageIDPrefix), EventID: r.event.ID, EndpointID: endpointID, UserID: r.event.UserID,
					EventType: r.event.Type, Test: r.event.Test, State: models.StatePending, MaxAttempts: MaxAttempts,
					NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now, RunKey: models.RunKey(endpointID, r.runID),
				}
				msgs = append(msgs, msg)
				fresh = append(fresh, models.Delivery{Message: msg, Payload: r.event.Payload})
				ids = append(ids, msg.ID)
				r.published.Messages = append(r.published.Messages, PublishedMessage{ID: msg.ID, EndpointID: endpointID})
			}
		}
		// Messages behind an earlier one of their test run wait, jobless.
		if err := s.store.OrderRuns(tx, msgs); err != nil {
			return err
		}
		if err := s.store.CreateDeliveries(tx, events, msgs); err != nil {
			return err
		}
		if ids = runnable(msgs, ids); len(ids) == 0 {
			return nil
		}
		// Offered before the commit, so a worker that fetches a job the
		// moment it is committed finds its copy; should the commit fail, the
		// copies are never asked for.
		s.handoff.put(runnable(msgs, fresh))
		jobs := batchJobs(ids)
		if backstop := s.atCommit.backstop(now); backstop != nil {
			started, err = s.enqueueBackstops(ctx, tx, jobs, backstop)
			return err
		}
		return s.enqueue(ctx, tx, jobs)
	})
	if err != nil {
		s.log.Error("store published events: none of the batch was accepted", "events", len(batch), "err", err)
		for _, r := range batch {
			r.err, r.published = err, Published{}
		}
		started = nil // nothing was stored: nothing is attempted
	} else {
		s.cfg.Metrics.Accepted(len(fresh))
	}
	for _, r := range batch {
		r.done <- r.err
	}
	// After the answers: the callers go on while the attempts start.
	for _, job := range started {
		s.attemptAtCommit(job.ID, job.Args.MessageIDs, len(batch) > 1)
	}
}

// endpoints picks the request's endpoints inside the batch's transaction.
func (r *publishRequest) endpoints(tx *models.Tx, subs models.Subscriptions) ([]int64, error) {
	if r.targets == nil {
		return subs.Of(r.event.UserID, r.event.Type), nil
	}
	return r.targets(tx)
}

// subscribingUsers lists the users whose events in the batch go to their
// subscribed endpoints.
func subscribingUsers(batch []*publishRequest) []int64 {
	var users []int64
	for _, r := range batch {
		if r.targets == nil && !slices.Contains(users, r.event.UserID) {
			users = append(users, r.event.UserID)
		}
	}
	return users
}

// enqueue inserts queue jobs inside the caller's transaction: commit keeps
// both the rows and their jobs, rollback neither. It uses River's insert
// that returns no rows: nothing needs them back, and on SQLite returning
// them (with the random nonce River writes into each job's metadata to
// tell unique duplicates apart) cost seven times as much.
func (s *Service) enqueue(ctx context.Context, tx *models.Tx, jobs []river.InsertManyParams) error {
	sqlTx, err := tx.SQL()
	if err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	// An instance with no share of the per-endpoint cap leaves its jobs to
	// those with one, in the default queue (see handOn); so does one that is
	// not, or no longer, a member of the cluster (ownQueue).
	if own := s.ownQueue.Load(); own != nil && s.limiter.hasShare() {
		for i := range jobs {
			jobs[i].InsertOpts = own
		}
	}
	if _, err := s.river.InsertManyFastTx(ctx, sqlTx, jobs); err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	// On SQLite nothing tells River of jobs a transaction inserted; the
	// wake runs once this transaction is over (wake.go).
	s.waker.wake()
	return nil
}

// backstopJob is a batch job whose attempts start at the commit.
type backstopJob struct {
	ID   int64
	Args DeliverBatchArgs
}

// enqueueBackstops inserts batch jobs due later (direct.go) inside the
// caller's transaction, and returns their ids: the job of a finished batch
// is deleted. No wake: nothing is due.
func (s *Service) enqueueBackstops(ctx context.Context, tx *models.Tx, jobs []river.InsertManyParams, opts *river.InsertOpts) ([]backstopJob, error) {
	sqlTx, err := tx.SQL()
	if err != nil {
		return nil, fmt.Errorf("enqueue deliveries: %w", err)
	}
	for i := range jobs {
		jobs[i].InsertOpts = opts
	}
	res, err := s.river.InsertManyTx(ctx, sqlTx, jobs)
	if err != nil {
		return nil, fmt.Errorf("enqueue deliveries: %w", err)
	}
	out := make([]backstopJob, len(res))
	for i, r := range res {
		out[i] = backstopJob{ID: r.Job.ID, Args: jobs[i].Args.(DeliverBatchArgs)}
	}
	return out, nil
}

// Redeliver makes one more attempt of a finished message, with the same
// webhook-id, through the queue.
func (s *Service) Redeliver(ctx context.Context, userID int64, messageID string) error {
	return s.store.InTx(ctx, func(tx *models.Tx) error {
		msg, err := s.store.ReopenMessage(tx, userID, messageID, time.Now().UTC())
		if err != nil {
			return err
		}
		return s.enqueue(ctx, tx, []river.InsertManyParams{{Args: DeliverArgs{MessageID: msg.ID}}})
	})
}
