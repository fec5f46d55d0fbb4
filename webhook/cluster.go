package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Instances on one Postgres heartbeat in the database. The live ones split
// the per-endpoint cap between them, and the running jobs of one that
// stopped heartbeating are made available again, long before River's own
// stuck-job rescue (which looks every 30 s for jobs running over
// RescueStuckJobsAfter).
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

// clusterMember is this process's part in a cluster of instances.
type clusterMember struct {
	s         *Service
	id        string
	startedAt time.Time
	// driver reaches River's rescue query, the one River's own rescuer uses.
	driver riverdriver.Driver[*sql.Tx]
	done   chan struct{}
	cancel context.CancelFunc
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

// rescue makes the running jobs of dead instances available again and
// forgets those instances.
func (m *clusterMember) rescue(ctx context.Context, now time.Time) (int, error) {
	dead, err := m.s.store.DeadInstances(ctx, now.Add(-DeadAfter))
	if err != nil || len(dead) == 0 {
		return 0, err
	}
	isDead := make(map[string]bool, len(dead))
	for _, in := range dead {
		isDead[in.ID] = true
	}
	// Jobs attempted after this moment are someone's live work, whatever
	// the list below says: River's rescue query leaves them alone.
	horizon := time.Now()
	running, err := m.s.runningJobs(ctx)
	if err != nil {
		return 0, err
	}
	var theirs []*rivertype.JobRow
	for _, job := range running {
		if n := len(job.AttemptedBy); n > 0 && isDead[job.AttemptedBy[n-1]] {
			theirs = append(theirs, job)
		}
	}
	err = makeAvailable(ctx, m.driver, theirs, horizon, now, func(job *rivertype.JobRow) string {
		return "instance " + job.AttemptedBy[len(job.AttemptedBy)-1] + " stopped heartbeating"
	})
	if err != nil {
		return 0, err
	}
	for _, in := range dead {
		if err := m.s.store.RemoveInstance(ctx, in.ID); err != nil {
			return len(theirs), err
		}
		m.s.log.Warn("instance stopped heartbeating; its deliveries were handed on",
			"instance", in.ID, "last_seen", in.SeenAt, "jobs", len(theirs))
	}
	return len(theirs), nil
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
		if _, err := m.rescue(ctx, now); err != nil && ctx.Err() == nil {
			m.s.log.Warn("rescue deliveries of a dead instance", "err", err)
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

// stop ends the heartbeat and removes the instance, so the others take back
// its share at once; its jobs finished or were cancelled by River's Stop.
func (m *clusterMember) stop(ctx context.Context) error {
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	<-m.done
	return m.s.store.RemoveInstance(ctx, m.id)
}
