package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/loadhook/loadhook/models"
)

// Instances on one Postgres heartbeat in the database. The live ones split
// the per-endpoint cap between them, and the work of one that is gone
// (stopped heartbeating, or stopped with jobs left) is taken over: its
// running jobs are made available again at once, long before River's own
// stuck-job rescue (which looks every 30 s for jobs running over
// RescueStuckJobsAfter), and its queue is worked by the others.
const (
	// HeartbeatInterval is how often an instance says it is alive.
	HeartbeatInterval = 2 * time.Second
	// DeadAfter is how long an instance may stay silent before its running
	// deliveries are handed to the others. An attempt lasts at most
	// SendTimeout (10 s) and the heartbeat does not wait for attempts, so a
	// live instance misses it only when its database connection does; the
	// worst case is a delivery made twice, with the same webhook-id.
	DeadAfter = 4 * HeartbeatInterval
)

// instanceIDPrefix starts every instance's ID, which also names its queue:
// each instance puts the jobs it inserts in a queue of its own. Its inserts
// then wake only its own producer, and its worker finds each new message
// in the publish handoff. With one shared queue, every insert woke every
// instance's producer and half the jobs ran where their message had to be
// read back (BENCHMARKS.md). Every instance also works River's default
// queue: the periodic prune, and jobs queued before queues were per
// instance.
const instanceIDPrefix = "instance_"

// unfinished are the states of a job still to be worked.
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// clusterMember is this process's part in a cluster of instances.
type clusterMember struct {
	s         *Service
	id        string
	startedAt time.Time
	// driver reaches River's rescue query, the one River's own rescuer uses.
	driver riverdriver.Driver[*sql.Tx]
	// rescued and adopted are the gone instances whose running jobs this
	// process made available, and whose queues it works; only run uses them.
	rescued map[string]bool
	adopted map[string]bool
	done    chan struct{}
	cancel  context.CancelFunc
}

func newClusterMember(s *Service, driver riverdriver.Driver[*sql.Tx]) *clusterMember {
	return &clusterMember{
		s: s, id: models.NewID(instanceIDPrefix), startedAt: time.Now(), driver: driver,
		rescued: map[string]bool{}, adopted: map[string]bool{},
	}
}

// queueConfig is the settings of this instance's queue and of those it
// adopts: as many workers as the default queue.
func (m *clusterMember) queueConfig() river.QueueConfig {
	return river.QueueConfig{MaxWorkers: m.s.cfg.Workers}
}

// beat records this instance as alive and refreshes its share of the
// per-endpoint cap from the instances alive now.
func (m *clusterMember) beat(ctx context.Context, now time.Time) error {
	if err := m.s.store.Heartbeat(ctx, m.id, m.startedAt, now); err != nil {
		return err
	}
	live, err := m.s.store.LiveInstances(ctx, now.Add(-DeadAfter))
	if err != nil {
		return err
	}
	ids := make([]string, len(live))
	for i, in := range live {
		ids[i] = in.ID
	}
	rank := slices.Index(ids, m.id)
	if rank < 0 {
		// Our own row is older than DeadAfter by the database's clock:
		// count ourselves in anyway.
		ids = append(ids, m.id)
		rank = len(ids) - 1
	}
	m.s.limiter.setShare(rank, len(ids))
	return nil
}

// takeOver hands on the work of the instances that are gone: their running
// jobs are made available again, and their queues are worked here until
// drained, when the instance is forgotten. Every live instance does the
// same; River's fetch hands each job to one of them.
func (m *clusterMember) takeOver(ctx context.Context, now time.Time) error {
	gone, err := m.s.store.DeadInstances(ctx, now.Add(-DeadAfter))
	if err != nil {
		return err
	}
	isGone := make(map[string]bool, len(gone))
	for _, in := range gone {
		isGone[in.ID] = true
		if err := m.rescue(ctx, in); err != nil {
			return err
		}
		if err := m.adopt(ctx, in); err != nil {
			return err
		}
	}
	// Another instance forgot these once it found them drained.
	for id := range m.adopted {
		if !isGone[id] {
			if err := m.release(ctx, id); err != nil {
				return err
			}
		}
	}
	for id := range m.rescued {
		if !isGone[id] {
			delete(m.rescued, id)
		}
	}
	return nil
}

// rescue makes the running jobs of a gone instance available again, once.
func (m *clusterMember) rescue(ctx context.Context, in models.Instance) error {
	if m.rescued[in.ID] {
		return nil
	}
	// Jobs attempted after this moment are someone's live work, whatever
	// the list below says: River's rescue query leaves them alone.
	now := time.Now()
	running, err := m.s.runningJobs(ctx)
	if err != nil {
		return err
	}
	var theirs []*rivertype.JobRow
	for _, job := range running {
		if n := len(job.AttemptedBy); n > 0 && job.AttemptedBy[n-1] == in.ID {
			theirs = append(theirs, job)
		}
	}
	err = makeAvailable(ctx, m.driver, theirs, now, now, func(*rivertype.JobRow) string {
		return "instance " + in.ID + " stopped heartbeating"
	})
	if err != nil {
		return err
	}
	m.rescued[in.ID] = true
	if len(theirs) > 0 {
		m.s.log.Warn("instance stopped heartbeating; its running deliveries were handed on",
			"instance", in.ID, "last_seen", in.SeenAt, "jobs", len(theirs))
	}
	return nil
}

// adopt works a gone instance's queue while it holds jobs, and forgets the
// instance once it is drained.
func (m *clusterMember) adopt(ctx context.Context, in models.Instance) error {
	drained, err := m.drained(ctx, in.ID)
	if err != nil {
		return err
	}
	if drained {
		if err := m.release(ctx, in.ID); err != nil {
			return err
		}
		return m.s.store.RemoveInstance(ctx, in.ID)
	}
	if m.adopted[in.ID] {
		return nil
	}
	if err := m.s.river.Queues().Add(in.ID, m.queueConfig()); err != nil {
		return fmt.Errorf("work the queue of instance %s: %w", in.ID, err)
	}
	m.adopted[in.ID] = true
	m.s.log.Info("working the queue of an instance that is gone", "instance", in.ID, "last_seen", in.SeenAt)
	return nil
}

// release stops working an adopted queue, if this process works it.
func (m *clusterMember) release(ctx context.Context, queue string) error {
	if !m.adopted[queue] {
		return nil
	}
	if err := m.s.river.Queues().Remove(ctx, queue); err != nil {
		return fmt.Errorf("stop working the queue of instance %s: %w", queue, err)
	}
	delete(m.adopted, queue)
	return nil
}

// drained tells whether a queue holds no job still to be worked. It runs
// every heartbeat while a gone instance's queue holds a job (a retry due in
// hours, say). Sorted by id, the default, Postgres walked the primary key
// past every completed job: 58 ms on 300,000; sorted by scheduled_at it
// reads River's fetch index for the queue's unfinished jobs: 0.9 ms.
func (m *clusterMember) drained(ctx context.Context, queue string) (bool, error) {
	params := river.NewJobListParams().Queues(queue).States(unfinished...).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1)
	res, err := m.s.river.JobList(ctx, params)
	if err != nil {
		return false, fmt.Errorf("look for jobs left in the queue of instance %s: %w", queue, err)
	}
	return len(res.Jobs) == 0, nil
}

// run heartbeats and rescues until stop.
func (m *clusterMember) run(ctx context.Context) {
	defer close(m.done)
	tick := time.NewTicker(HeartbeatInterval)
	defer tick.Stop()
	for {
		now := time.Now()
		if err := m.beat(ctx, now); err != nil && ctx.Err() == nil {
			m.s.log.Warn("heartbeat", "err", err)
		}
		if err := m.takeOver(ctx, now); err != nil && ctx.Err() == nil {
			m.s.log.Warn("take over the work of a gone instance", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// start registers the instance before the queue starts, so its share of
// the cap is right from the first attempt.
func (m *clusterMember) start(ctx context.Context) error {
	if err := m.beat(ctx, time.Now()); err != nil {
		return fmt.Errorf("join the cluster: %w", err)
	}
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

// stop ends the heartbeat, once River's Stop has finished or cancelled the
// jobs in flight. The others take back its share of the cap at once, and
// its queue if jobs are left in it (scheduled retries, a backlog).
func (m *clusterMember) stop(ctx context.Context) error {
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	<-m.done
	drained, err := m.drained(ctx, m.id)
	if err != nil {
		return err
	}
	if !drained {
		return m.s.store.MarkInstanceGone(ctx, m.id)
	}
	return m.s.store.RemoveInstance(ctx, m.id)
}
