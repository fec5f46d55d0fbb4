package main

import (
	"context"
	"fmt"
)

// throughputEvent is a unique TEST_STARTED body for the throughput phase:
// with a distinct testRunId while b.distinctRunIDs, so that every message
// goes through the order per test run (and none waits: each run has one
// message), else with an empty one, which is no run at all.
func (b *bench) throughputEvent() []byte {
	n := b.runID.Add(1)
	run := ""
	if b.distinctRunIDs {
		run = fmt.Sprint(n)
	}
	return fmt.Appendf(nil, `{"eventType":"TEST_STARTED","metadata":{"testRunId":%q,"maxUser":"100","duration":"300","watchLive":"https://app.example/live/%d"}}`, run, n)
}

// throughputRuns is the throughput phase; with -distinct-runs it runs twice
// on the same server, first without testRunIds, then with a distinct one on
// every event, and reports the second's deliveries per second as a ratio of
// the first's: what ordering per test run costs.
func (b *bench) throughputRuns(ctx context.Context, base *baselineResult) error {
	if !b.opts.distinctRuns {
		return b.throughput(ctx, base)
	}
	var rates, cpus []float64
	var cpu string
	for _, distinct := range []bool{false, true} {
		b.distinctRunIDs = distinct
		from, cpu0 := len(b.rows), b.cpu()
		if err := b.throughput(ctx, base); err != nil {
			return err
		}
		// CPU per delivery is steadier than throughput on a shared machine.
		used := b.cpu().sub(cpu0)
		cpu = "server CPU"
		if used.inProcess {
			cpu, used.server = "CPU of server and harness", used.harness // one process
		}
		cpus = append(cpus, float64(used.server.Microseconds())/float64(b.opts.events))
		label := "[no testRunId] "
		if distinct {
			label = "[a distinct testRunId each] "
		}
		rate := 0.0
		for i := from; i < len(b.rows); i++ {
			// The phase's first rate is its end-to-end deliveries per second.
			if rate == 0 && b.rows[i].perSecond > 0 {
				rate = b.rows[i].perSecond
			}
			b.rows[i].name = label + b.rows[i].name
		}
		rates = append(rates, rate)
	}
	// The second run meets the first's rows in the database: if anything,
	// the comparison errs against ordering.
	b.add("With a distinct testRunId on every event, against without (same server, one after the other)",
		fmt.Sprintf("throughput **%.2f×** (%s vs %s deliveries/s); %s per delivery %.2f× (%.0f vs %.0f µs)",
			rates[1]/rates[0], thousands(rates[1]), thousands(rates[0]), cpu, cpus[1]/cpus[0], cpus[1], cpus[0]), "")
	return nil
}
