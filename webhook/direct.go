package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// On SQLite a batch's first attempts start at the commit that stores its
// messages, in this process, rather than when River fetches the batch job.
// The job is still inserted in that commit, due backstopAfter later: it is
// the durable promise that the attempts are made, and River works it only
// if this process did not finish them (it died, or stopped first). Once
// every message is recorded, split off or gone, the job is deleted, with
// the others finished within forgetEvery, in one commit that needs no
// fsync: should a power cut take it back, the job runs when due and finds
// nothing left to attempt. A SQLite file belongs to one process, so
// nothing else could have taken the job meanwhile, and at Start every such
// job is a dead process's: it is made due at once. At 100 events/s this
// saves each event River's fetch, its completion and a wake of the queue:
// a third of the CPU, and the time from commit to attempt (BENCHMARKS.md).
// Postgres keeps due batch jobs: another instance may work them, and there
// the saving measured nothing. docs/decisions.md, "On SQLite, first
// attempts start at the commit".

// backstopAfter is when a batch job made at the commit falls due: after
// the longest a live batch runs (jobTimeout, as a batch job's run does), as
// River's stuck-job rescue waits for a running job. A process that died
// leaves its messages attempted no later than a stuck job's.
const backstopAfter = rescueStuckJobsAfter

// forgetEvery is how long the jobs of finished batches wait to be deleted
// together: far less than backstopAfter, and long enough that one delete,
// which costs River's statement about 0.2 ms whatever it deletes, serves
// many batches.
const forgetEvery = 200 * time.Millisecond

// busyAttemptDelay is how long after a commit of several events their
// attempts wait to start. Started at once, they and their records ran while
// the callers just answered were sending their next events and the next
// commit gathered them: at 16 concurrent requests each 202 took about 1 ms
// longer and the throughput fell 7 %. Half a millisecond later it did not
// (BENCHMARKS.md); yielding the processor instead did not help. A commit
// of one event, a quiet system, starts its attempts at once.
const busyAttemptDelay = 500 * time.Microsecond

// atCommit runs first attempts from the publish commit. It is on between
// Start and Stop; before Start (or on Postgres) batch jobs are due at once
// and River works them.
type atCommit struct {
	on     atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
	runs   sync.WaitGroup
	// finished holds the jobs of finished batches until forgetFinished
	// deletes them; kick says there are some.
	mu       sync.Mutex
	finished []int64
	kick     chan struct{}
	forgets  sync.WaitGroup
}

func newAtCommit() *atCommit {
	ctx, cancel := context.WithCancel(context.Background())
	return &atCommit{ctx: ctx, cancel: cancel, kick: make(chan struct{}, 1)}
}

// backstop is the insert of batch jobs whose attempts start at the commit,
// or nil when River is to work them as they come.
func (a *atCommit) backstop(now time.Time) *river.InsertOpts {
	if a == nil || !a.on.Load() {
		return nil
	}
	return &river.InsertOpts{ScheduledAt: now.Add(backstopAfter)}
}

// startAtCommit turns first attempts at the commit on, and the deletion of
// the jobs of finished batches.
func (s *Service) startAtCommit() {
	a := s.atCommit
	a.forgets.Go(func() {
		for {
			select {
			case <-a.ctx.Done():
				s.forgetFinished()
				return
			case <-a.kick:
			}
			select {
			case <-a.ctx.Done():
			case <-time.After(forgetEvery):
			}
			s.forgetFinished()
		}
	})
	a.on.Store(true)
}

// attemptAtCommit attempts, in the background, the messages of a batch job
// that backstop put off (after busyAttemptDelay when the commit was busy),
// and then has the job deleted; a batch cut off by Stop, or which met an
// error, has its job made due instead, for River to run it again as it
// does any batch job.
func (s *Service) attemptAtCommit(jobID int64, messageIDs []string, busy bool) {
	a := s.atCommit
	a.runs.Go(func() {
		if busy {
			time.Sleep(busyAttemptDelay)
		}
		ctx, cancel := context.WithTimeout(a.ctx, jobTimeout)
		defer cancel()
		run := attemptRun{mayUseHandoff: true, batch: true, startBy: time.Now().Add(batchStartWithin)}
		if err := batchOutcome(s.attemptBatch(ctx, messageIDs, run)); err != nil {
			s.makeDue(jobID)
			return
		}
		a.mu.Lock()
		a.finished = append(a.finished, jobID)
		a.mu.Unlock()
		select {
		case a.kick <- struct{}{}:
		default:
		}
	})
}

// makeDue makes a batch's job due now, for River to run it as it does any
// batch job. The error that cut the batch short (a database locked past its
// busy timeout, say) may refuse this too for a while: it is asked again,
// for up to dueWithin, after which the job falls due by itself.
func (s *Service) makeDue(jobID int64) {
	ctx := context.WithoutCancel(s.atCommit.ctx)
	wait := 50 * time.Millisecond
	for deadline := time.Now().Add(dueWithin); ; wait *= 2 {
		_, err := s.river.JobRetry(ctx, jobID)
		if err == nil {
			return
		}
		if time.Now().Add(wait).After(deadline) {
			s.log.Warn("make a cut-off batch's job due; it falls due by itself", "job", jobID, "in", backstopAfter, "err", err)
			return
		}
		time.Sleep(wait)
	}
}

// dueWithin bounds how long makeDue keeps asking.
const dueWithin = 5 * time.Second

// forgetFinished deletes the jobs of the batches finished so far, through
// River's API, in a commit left unfsynced.
func (s *Service) forgetFinished() {
	a := s.atCommit
	a.mu.Lock()
	jobIDs := a.finished
	a.finished = nil
	a.mu.Unlock()
	ctx := context.WithoutCancel(a.ctx)
	for chunk := range slices.Chunk(jobIDs, 1000) {
		err := s.store.InUnsyncedTx(ctx, func(tx *sql.Tx) error {
			_, err := s.river.JobDeleteManyTx(ctx, tx, river.NewJobDeleteManyParams().IDs(chunk...).First(len(chunk)))
			return err
		})
		if err != nil {
			s.log.Warn("delete the jobs of finished batches; River works them when due, finding nothing to do", "jobs", len(chunk), "err", err)
		}
	}
}

// stop waits for the batches in flight until ctx ends, then cuts them off,
// and deletes the jobs of those finished.
func (a *atCommit) stop(ctx context.Context) {
	a.on.Store(false)
	done := make(chan struct{})
	go func() {
		a.runs.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	a.cancel() // cuts off what still runs, and ends the deletions
	<-done
	a.forgets.Wait()
}

// dueLeftovers makes due, at Start, the batch jobs a previous process left
// put off: it died before their attempts were done. A batch job is never
// scheduled otherwise (River keeps a snoozed one available).
func (s *Service) dueLeftovers(ctx context.Context) (int, error) {
	res, err := s.river.JobList(ctx, river.NewJobListParams().Kinds(DeliverBatchArgs{}.Kind()).States(rivertype.JobStateScheduled).First(10000))
	if err != nil {
		return 0, fmt.Errorf("list batch jobs left put off: %w", err)
	}
	for _, job := range res.Jobs {
		if _, err := s.river.JobRetry(ctx, job.ID); err != nil {
			return 0, fmt.Errorf("make batch job %d due: %w", job.ID, err)
		}
	}
	return len(res.Jobs), nil
}
