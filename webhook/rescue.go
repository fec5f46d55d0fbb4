package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// runningJobs lists the queue's jobs marked running, through River's API.
func (s *Service) runningJobs(ctx context.Context) ([]*rivertype.JobRow, error) {
	res, err := s.river.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(10000))
	if err != nil {
		return nil, fmt.Errorf("list running jobs: %w", err)
	}
	return res.Jobs, nil
}

// makeAvailable hands jobs marked running back to the queue at once, with
// the rescue query River's own rescuer uses, noting on each job why. Jobs
// attempted after horizon are someone's live work and are left alone.
func makeAvailable(ctx context.Context, driver riverdriver.Driver[*sql.Tx], jobs []*rivertype.JobRow, horizon, now time.Time, why func(*rivertype.JobRow) string) error {
	if len(jobs) == 0 {
		return nil
	}
	params := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
	for _, job := range jobs {
		reason, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: job.Attempt, Error: why(job)})
		if err != nil {
			return fmt.Errorf("note why job %d is rescued: %w", job.ID, err)
		}
		params.ID = append(params.ID, job.ID)
		params.Error = append(params.Error, reason)
		params.FinalizedAt = append(params.FinalizedAt, nil)
		params.ScheduledAt = append(params.ScheduledAt, now)
		params.State = append(params.State, string(rivertype.JobStateAvailable))
	}
	if _, err := driver.GetExecutor().JobRescueMany(ctx, params); err != nil {
		return fmt.Errorf("rescue %d jobs: %w", len(jobs), err)
	}
	return nil
}
