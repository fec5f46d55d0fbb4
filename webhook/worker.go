package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// DeliverArgs is the queue job of one message: it carries only the id, the
// message row holds the state.
type DeliverArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job in the queue.
func (DeliverArgs) Kind() string { return "deliver" }

// deliverWorker makes one attempt per run. Retries are snoozes until the
// message's next attempt (a rest after the failed one ended), so the message
// row, not the queue's attempt counter, decides how many attempts a message
// gets and when.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	if job.Queue != river.QueueDefault && !w.s.limiter.hasShare() {
		return handOn(ctx, w.s, job)
	}
	again, err := w.s.attempt(ctx, job.Args.MessageID, singleRun(job.JobRow))
	if err != nil || again.IsZero() {
		return err
	}
	return w.s.snooze(max(time.Until(again), 0))
}

// handOn moves a job from this instance's queue to the default one, which
// every instance works: with more instances than the per-endpoint cap this
// one has no share of it (see setShare), and would only snooze what its
// own queue holds. enqueue, without a share, queues in the default queue;
// the new job and the old one's completion commit together, through
// River's API.
func handOn[T river.JobArgs](ctx context.Context, s *Service, job *river.Job[T]) error {
	return s.store.InTx(ctx, func(tx *models.Tx) error {
		if err := s.enqueue(ctx, tx, []river.InsertManyParams{{Args: job.Args}}); err != nil {
			return fmt.Errorf("hand on job %d: %w", job.ID, err)
		}
		sqlTx, err := tx.SQL()
		if err != nil {
			return fmt.Errorf("hand on job %d: %w", job.ID, err)
		}
		if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job); err != nil {
			return fmt.Errorf("hand on job %d: complete it: %w", job.ID, err)
		}
		return nil
	})
}

// handoffUsable reports whether this run may use the copy of the message
// handed over at publish time: only if no other queue client has worked the
// job. The copy is taken by the first run that finds it, so a copy still
// here is stale only when the job ran elsewhere first (another instance, or
// a process that died mid-attempt) and recorded state the copy lacks.
// AttemptedBy is River's documented list of the clients that worked the
// job, this run's included; River's snooze count, in its metadata, is not
// part of its API.
func handoffUsable(job *rivertype.JobRow) bool {
	return len(job.AttemptedBy) <= 1
}

// attemptRun is how one run of a job attempts a message.
type attemptRun struct {
	// mayUseHandoff says the copy handed over at publish time is current
	// (see handoffUsable).
	mayUseHandoff bool
	// batch is set for a message of a batch job (batch.go): the batch makes
	// only its first attempt, and a retry is queued, with the attempt's
	// record, as a job of its own.
	batch bool
	// startBy is when the attempt must have started, its slots held; a
	// message that cannot start by then needs another run later.
	startBy time.Time
}

// singleWait is how long a single job waits for its attempt's slots before
// it is snoozed: it holds one of River's workers meanwhile.
const singleWait = 200 * time.Millisecond

func singleRun(job *rivertype.JobRow) attemptRun {
	return attemptRun{mayUseHandoff: handoffUsable(job), startBy: time.Now().Add(singleWait)}
}

// attempt makes the next attempt of a message if one is due, and records
// it. again, when not zero, is when the message needs another run of the
// job: its next attempt, or a moment later when its slots were taken.
func (s *Service) attempt(ctx context.Context, messageID string, run attemptRun) (again time.Time, err error) {
	// A run that may not use the copy handed over at publish time must see
	// the state earlier runs recorded; either way the copy is dropped.
	d := s.handoff.take(messageID)
	if !run.mayUseHandoff {
		d = nil
	}
	if d == nil {
		d, err = s.store.LoadDelivery(ctx, messageID)
		if errors.Is(err, models.ErrNotFound) {
			return time.Time{}, nil // the message was deleted with its endpoint
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	msg := &d.Message
	endpoint, current, err := s.endpoints.get(ctx, msg.EndpointID)
	if errors.Is(err, models.ErrNotFound) {
		return time.Time{}, nil // the endpoint was deleted
	}
	if err != nil {
		return time.Time{}, err
	}
	if msg.State == models.StateSucceeded || msg.State == models.StateFailed || msg.Attempts >= msg.MaxAttempts {
		return time.Time{}, nil // already finished: a duplicate job after a crash
	}
	if msg.State == models.StateWaiting {
		return time.Time{}, nil // behind an earlier message of its run, which queues it when final
	}
	if run.batch && !batchOwns(msg) {
		return time.Time{}, nil // a job of its own makes its attempts now
	}
	now := time.Now()
	if msg.NextAttemptAt != nil && msg.NextAttemptAt.After(now.Add(5*time.Millisecond)) {
		return *msg.NextAttemptAt, nil
	}
	if !endpoint.Enabled {
		// A message replayed just after its endpoint was enabled again must
		// not be stopped by an entry that is not current.
		if enabled, err := s.enabledNow(ctx, endpoint, current); err != nil || !enabled {
			return time.Time{}, s.stopDisabledUnless(ctx, msg, err)
		}
	}
	if !s.takeSlots(ctx, msg.EndpointID, run) {
		if ctx.Err() != nil {
			return time.Time{}, river.JobSnooze(0) // shutting down: the job runs again when a process starts
		}
		// The endpoint has its share of attempts in flight, or the process
		// its workers: come back later.
		s.cfg.Metrics.Deferred()
		return time.Now().Add(s.limiter.retryAfter(msg.EndpointID)), nil
	}
	// Disabling an endpoint stops the very next attempt of every message,
	// test messages included. Asked once the slot is held, so that jobs
	// turned away by the cap (many, for an endpoint that hangs) cost no
	// query.
	enabled, err := s.enabledNow(ctx, endpoint, current)
	if err != nil || !enabled {
		s.releaseSlots(msg.EndpointID, 0) // no attempt was made
		switch {
		case errors.Is(err, models.ErrNotFound):
			return time.Time{}, nil // the endpoint was deleted
		case err != nil:
			return time.Time{}, err
		}
		return time.Time{}, s.stopDisabled(ctx, msg)
	}
	out := s.sender.Send(ctx, Delivery{
		URL: endpoint.URL, MessageID: msg.ID, Body: d.Payload,
		Headers: endpoint.Headers, Secrets: secrets(endpoint),
	})
	s.releaseSlots(msg.EndpointID, out.Duration)
	if ctx.Err() != nil && !out.Success() {
		// Shutting down mid-attempt: this attempt does not count; the job
		// runs again when a process starts.
		return time.Time{}, river.JobSnooze(0)
	}

	msg.Attempts++
	if msg.FirstAttemptAt == nil {
		msg.FirstAttemptAt = &out.StartedAt
	}
	msg.LastStatus, msg.LastErrorClass, msg.LastDurationMs = out.Status, out.ErrorClass, out.Duration.Milliseconds()
	msg.NextAttemptAt = nil
	switch {
	case out.Success():
		msg.State = models.StateSucceeded
	case out.Blocked, out.Status == http.StatusGone, msg.Attempts >= msg.MaxAttempts:
		msg.State = models.StateFailed
	default:
		// The rest counts from the end of this attempt, so a receiver that
		// timed out gets it too, not a retry the moment it gave up.
		next := time.Now().Add(RetryRest(msg.Attempts, out.RetryAfter))
		msg.State, msg.NextAttemptAt = models.StateRetrying, &next
	}
	// Disable before the final state is visible, so whoever sees the
	// message failed with 410 also sees the endpoint disabled.
	if out.Status == http.StatusGone {
		reason := fmt.Sprintf("the receiver answered 410 Gone on %s UTC (message %s)", out.StartedAt.Format("2 Jan 2006 15:04"), msg.ID)
		if err := s.store.DisableEndpoint(ctx, msg.EndpointID, reason); err != nil {
			return time.Time{}, err
		}
	}
	rec := recordRequest{record: models.AttemptRecord{Attempt: attemptRow(msg, endpoint, out), Message: msg}, retryInOwnJob: run.batch}
	if err := s.record(ctx, rec); err != nil {
		return time.Time{}, err
	}
	if msg.State == models.StateRetrying && !run.batch {
		// Measured after the record's commit, which the rest includes.
		return *msg.NextAttemptAt, nil
	}
	if msg.State == models.StateFailed {
		s.afterFinalFailure(ctx, msg) // autodisable.go
	}
	return time.Time{}, nil
}

// enabledNow reports whether the endpoint is enabled as stored now: the
// cached flag when the entry is current (endpoint changes watched: see
// cache.go), else the flag read, since the entry may be a second old.
func (s *Service) enabledNow(ctx context.Context, ep *models.Endpoint, current bool) (bool, error) {
	if current {
		return ep.Enabled, nil
	}
	return s.store.EndpointEnabled(ctx, ep.ID)
}

// stopDisabled ends a message whose endpoint is disabled, without an attempt:
// it is failed, and its last outcome (what the delivery log shows) is
// ClassDisabled rather than the status of an earlier attempt. Redelivering
// it once the endpoint is enabled again sends it.
func (s *Service) stopDisabled(ctx context.Context, msg *models.Message) error {
	msg.State, msg.NextAttemptAt = models.StateFailed, nil
	msg.LastStatus, msg.LastErrorClass, msg.LastDurationMs = 0, ClassDisabled, 0
	return s.saveFinalState(ctx, msg)
}

// secrets lists the signing secrets: the current one, then a rotated-out one
// that is still valid.
func secrets(ep *models.Endpoint) []string {
	if ep.PreviousSecret != "" {
		return []string{ep.Secret, ep.PreviousSecret}
	}
	return []string{ep.Secret}
}

func attemptRow(msg *models.Message, ep *models.Endpoint, out *Outcome) *models.Attempt {
	a := &models.Attempt{
		MessageID:       msg.ID,
		EndpointID:      ep.ID,
		Number:          msg.Attempts,
		StartedAt:       out.StartedAt,
		URL:             ep.URL,
		RequestHeaders:  headersJSON(catalog.MaskHeaders(out.RequestHeaders, ep.Headers)),
		ResponseStatus:  out.Status,
		ResponseHeaders: headersJSON(out.ResponseHeaders),
		ResponseBody:    out.ResponseBody,
		Truncated:       out.Truncated,
		ErrorClass:      out.ErrorClass,
		ErrorDetail:     out.ErrorDetail,
		Success:         out.Success(),
	}
	a.SetTiming(out.Timing)
	return a
}

func headersJSON(h http.Header) string {
	if h == nil {
		return ""
	}
	b, _ := json.Marshal(h)
	return string(b)
}
